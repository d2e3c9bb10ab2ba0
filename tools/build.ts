console.log('build: nothing to bundle yet');

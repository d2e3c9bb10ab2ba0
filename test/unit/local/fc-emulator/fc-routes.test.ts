import { describe, expect, it } from 'vitest';
import { matchInvocationPath } from '../../../../local/fc-emulator/fc-routes.js';

describe('matchInvocationPath', () => {
  it('reads the FC 3.0 path', () => {
    expect(matchInvocationPath('/2023-03-30/functions/attach-role/invocations')).toEqual({
      apiVersion: '2023-03-30',
      functionName: 'attach-role',
    });
  });

  it('reads the 2016-08-15 path, with or without a qualifier on the service', () => {
    expect(matchInvocationPath('/2016-08-15/services/svc/functions/fn/invocations')).toEqual({
      apiVersion: '2016-08-15',
      functionName: 'fn',
      serviceName: 'svc',
    });
    expect(matchInvocationPath('/2016-08-15/services/svc.LATEST/functions/fn/invocations')).toEqual({
      apiVersion: '2016-08-15',
      functionName: 'fn',
      serviceName: 'svc',
      qualifier: 'LATEST',
    });
  });

  it('decodes percent-escapes in names', () => {
    expect(matchInvocationPath('/2023-03-30/functions/a%2Db/invocations')?.functionName).toBe('a-b');
  });

  it.each([
    '/2023-03-30/functions/fn',
    '/2023-03-30/functions/fn/triggers',
    '/2016-08-15/functions/fn/invocations',
    '/2016-08-15/services/svc/functions/fn',
    '/2017-01-01/functions/fn/invocations',
    '/2023-03-30/functions/%E0%A4%A/invocations',
    '/',
  ])('does not match %s', (path) => {
    expect(matchInvocationPath(path)).toBeUndefined();
  });
});

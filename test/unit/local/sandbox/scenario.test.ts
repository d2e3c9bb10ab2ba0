import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError } from '../../../../local/sandbox/scenario.js';
import { describeStep } from '../../../../local/sandbox/step-runner.js';

const LAUNCH = '  - { name: start, at: 0, launch: { group: web, region: cn-hangzhou, count: 2 } }';

function problems(steps: string): readonly string[] {
  try {
    parseScenario(`name: s\nsteps:\n${steps}\n`, 's.yaml', '/tmp');
  } catch (error) {
    if (error instanceof ScenarioError) return error.issues;
    throw error;
  }
  return [];
}

describe('scenario steps that wait for a condition', () => {
  it('take after: step, deadLetters, withRole and settled, with at defaulting to 0', () => {
    const scenario = parseScenario(
      `name: s
steps:
${LAUNCH}
  - name: fix
    after: { deadLetters: { group: web, code: InvalidRamRole.NotEcsRole } }
    trust: { role: EcsAppRole, ecs: true }
  - at: 3
    after: { step: fix, settled: true, withRole: { group: web, atLeast: 1 } }
    redrive: { code: InvalidRamRole.NotEcsRole, kind: attach-failed }
`,
      's.yaml',
      '/tmp',
    );
    expect(scenario.steps.map((s, i) => describeStep(s, i))).toEqual([
      'step 1 (launch "start", at 0 s)',
      'step 2 (trust "fix", after every instance of group web is dead-lettered with InvalidRamRole.NotEcsRole)',
      'step 3 (redrive, at 3 s, after step "fix" has finished and 1 of group web hold a role and the system has settled)',
    ]);
    expect(scenario.steps[1]?.at).toBe(0);
  });

  it('refuse what the run could never satisfy, naming the step and the field', () => {
    expect(
      problems(`${LAUNCH}
  - { name: start, after: { step: nowhere }, trust: { role: EcsAppRole, ecs: true } }
  - { after: { deadLetters: { group: nobody } }, retag: { group: ghosts } }`),
    ).toEqual([
      'steps.1.name: "start" is already the name of steps.0',
      'steps.1.after.step: no step is named "nowhere" (names: start)',
      'steps.2.retag.group: no launch step makes group "ghosts" (groups: seed, web)',
      'steps.2.after.deadLetters.group: no launch step makes group "nobody" (groups: seed, web)',
    ]);
    expect(
      problems(`  - { name: a, after: { step: b }, trust: { role: EcsAppRole, ecs: true } }
  - { name: b, after: { step: a }, trust: { role: EcsAppRole, ecs: false } }`),
    ).toEqual([
      'steps.0.after.step: "b" waits, in the end, for this step itself',
      'steps.1.after.step: "a" waits, in the end, for this step itself',
    ]);
  });

  it('report a mistake against the fields of the step’s own kind, and a redrive --kind must exist', () => {
    expect(
      problems(`  - { at: 0, launch: { group: x, region: ../etc, count: 0 } }
  - { redrive: { kind: nonsense } }
  - { at: 1 }`),
    ).toEqual([
      'steps.0.launch.region: a region id, like cn-hangzhou',
      'steps.0.launch.count: Too small: expected number to be >=1',
      'steps.1.redrive.kind: Invalid option: expected one of "attach-failed"|"replace-failed"|"deadline"|"conflict"|"poison"|"fc-failure"|"unreadable"',
      'steps.2: a step has exactly one of launch, retag, throttle, trust, redrive, dropEvents, detach, deploy, sweep',
    ]);
  });

  it('says it all on one line, starting with the file', () => {
    expect(() => parseScenario('name: s\nsteps: [ { at: 0, trust: {} ', 'bad.yaml', '/tmp')).toThrow(
      /^bad\.yaml is not a valid scenario: not YAML: [^\n]+$/,
    );
  });
});

describe('the sweep steps: dropEvents, detach, deploy and sweep', () => {
  it('parse, resolve a deploy’s policy against the scenario file, and name a detach’s instances as a group', () => {
    const scenario = parseScenario(
      `name: s
steps:
  - { name: lose, dropEvents: { group: web } }
${LAUNCH}
  - { name: off, after: { step: start, settled: true }, detach: { group: web, count: 1, as: detached } }
  - { name: sweep, after: { step: off }, sweep: {} }
  - { name: v2, after: { step: sweep }, deploy: { policy: policies/v2.yaml } }
  - { after: { step: v2 }, sweep: {} }
expect:
  repairedBySweep: [web, detached]
`,
      's.yaml',
      '/tmp/scenarios',
    );
    expect(scenario.steps.map((s, i) => describeStep(s, i))).toEqual([
      'step 1 (dropEvents "lose", at 0 s)',
      'step 2 (launch "start", at 0 s)',
      'step 3 (detach "off", after step "start" has finished and the system has settled)',
      'step 4 (sweep "sweep", after step "off" has finished)',
      'step 5 (deploy "v2", after step "sweep" has finished)',
      'step 6 (sweep, after step "v2" has finished)',
    ]);
    expect(scenario.steps[4]).toMatchObject({ deploy: { policy: '/tmp/scenarios/policies/v2.yaml' } });
    expect(scenario.expect.repairedBySweep).toEqual(['web', 'detached']);
  });

  it('refuse groups nothing makes, and repairs expected of a scenario with no sweep', () => {
    expect(
      problems(`${LAUNCH}
  - { dropEvents: { group: wbe } }
  - { detach: { group: nope } }
expect:
  repairedBySweep: [web, gone]`),
    ).toEqual([
      'expect.repairedBySweep.1: no launch step makes group "gone" (groups: seed, web)',
      'expect.repairedBySweep: no sweep step could repair them',
      'steps.1.dropEvents.group: no launch step makes group "wbe" (groups: seed, web)',
      'steps.2.detach.group: no launch step makes group "nope" (groups: seed, web)',
    ]);
    expect(problems('  - { sweep: { now: true } }')).toEqual(['steps.0.sweep: Unrecognized key: "now"']);
  });
});

describe('scenario member accounts', () => {
  const MEMBERS = `members:
  - accountId: "2000000000000001"
    roles: [{ name: EcsAppRole, trustsEcs: true }]
`;
  const parse = (text: string) => parseScenario(text, 's.yaml', '/tmp');
  const issues = (text: string): readonly string[] => {
    try {
      parse(text);
    } catch (error) {
      if (error instanceof ScenarioError) return error.issues;
      throw error;
    }
    return [];
  };

  it('take member seeds, launches in a member account and a member role’s trust of the central function', () => {
    const scenario = parse(`name: s
${MEMBERS}steps:
  - launch: { group: m, account: "2000000000000001", region: cn-hangzhou, count: 1 }
  - trust: { account: "2000000000000001", role: ram-role-attacher-member, centralFunction: true }
`);
    expect(scenario.members?.map((m) => m.accountId)).toEqual(['2000000000000001']);
    expect(scenario.steps[0]).toMatchObject({ launch: { account: '2000000000000001' } });
  });

  it('refuse an account that is neither the seed’s nor a member’s, and a trust step with both or neither change', () => {
    expect(
      issues(`name: s
${MEMBERS}steps:
  - launch: { group: m, account: "9000000000000009", region: cn-hangzhou, count: 1 }
`),
    ).toEqual([
      'steps.0.launch.account: 9000000000000009 is neither the seed’s account nor a member’s (1234567890123456, 2000000000000001)',
    ]);
    expect(issues('name: s\nsteps:\n  - trust: { role: R, ecs: true, centralFunction: true }\n')).toEqual([
      'steps.0.trust: give one of ecs and centralFunction',
    ]);
    expect(issues('name: s\nsteps:\n  - trust: { role: R }\n')).toEqual([
      'steps.0.trust: give one of ecs and centralFunction',
    ]);
  });
});

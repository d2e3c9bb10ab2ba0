import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { decide } from '../../../../shared/policy/decide.js';
import { loadPolicy } from '../../../../shared/policy/load-policy.js';
import { decodeParsedPolicy, encodeParsedPolicy } from '../../../../shared/policy/parsed-policy.js';
import { policyDocument } from './arbitraries.js';

/** The design's policy (a fixture, not the shipped example). */
const ROOT_POLICY = readFileSync(new URL('../../../fixtures/policies/design.yaml', import.meta.url), 'utf8');

/** What the build writes for `text` (it validates the YAML first, as `npm run build` does). */
function built(text: string): string {
  const json = encodeParsedPolicy(text, loadPolicy(text, 'policy.yaml'));
  if (json === undefined) throw new Error('not representable');
  return json;
}

/** What the build writes for `text`, then what the cold start takes from it. */
function throughTheBuild(text: string) {
  const lookup = decodeParsedPolicy(built(text), text, 'policy.yaml.parsed.json');
  if (!lookup.found) throw new Error(lookup.why);
  return lookup;
}

/** The file the build wrote, with `edit` applied to its JSON. */
function edited(text: string, edit: (file: Record<string, unknown>) => void): string {
  const file = JSON.parse(built(text)) as Record<string, unknown>;
  edit(file);
  return JSON.stringify(file);
}

describe('the policy as the build validated it', () => {
  it('is the very policy and warnings that parsing and validating the YAML give', () => {
    const { policy, warnings } = loadPolicy(ROOT_POLICY, 'policy.yaml');
    expect(throughTheBuild(ROOT_POLICY)).toEqual({ found: true, policy, warnings });
  });

  it('is so for any valid policy, and with YAML warnings', () => {
    fc.assert(
      fc.property(policyDocument, (document) => {
        const text = stringify(document);
        const { policy, warnings } = loadPolicy(text, 'policy.yaml');
        expect(throughTheBuild(text)).toEqual({ found: true, policy, warnings });
      }),
    );
    const withWarning = ROOT_POLICY.replace(/^mode: enforce/m, 'mode: !unknown enforce');
    expect(throughTheBuild(withWarning).warnings).toEqual([
      expect.stringContaining('Unresolved tag: !unknown'),
    ]);
  });

  it('is frozen and decides as the validated policy does', () => {
    const { policy } = throughTheBuild(ROOT_POLICY);
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.rules[0]?.when.tags)).toBe(true);
    const facts = { instanceId: 'i-1', regionId: 'cn-hangzhou', tags: { team: 'payments', env: 'prod' } };
    expect(decide(policy, facts)).toEqual(decide(loadPolicy(ROOT_POLICY, 'policy.yaml').policy, facts));
    expect(decide(policy, facts)).toMatchObject({ action: 'attach' });
  });

  it('is not used for any other text: a changed policy is validated again', () => {
    expect(
      decodeParsedPolicy(built(ROOT_POLICY), `${ROOT_POLICY}# edited in the console\n`, 'p.json'),
    ).toEqual({
      found: false,
      why: 'the policy changed since the build validated it into p.json',
    });
  });

  it('is not used when the stored policy or warnings were edited after the build', () => {
    const why = 'p.json was changed after the build wrote it';
    // An edit that would bypass validation: a role allowedRoles does not hold, and a mode the schema refuses.
    const bypass = edited(ROOT_POLICY, (file) => {
      const policy = file.policy as { allowedRoles: string[]; mode: string };
      policy.allowedRoles.push('AdministratorRole');
      policy.mode = 'yolo';
    });
    expect(decodeParsedPolicy(bypass, ROOT_POLICY, 'p.json')).toEqual({ found: false, why });
    // Warnings dropped from the file would no longer be logged at cold start.
    const withWarning = ROOT_POLICY.replace(/^mode: enforce/m, 'mode: !unknown enforce');
    const silenced = edited(withWarning, (file) => {
      file.warnings = [];
    });
    expect(decodeParsedPolicy(silenced, withWarning, 'p.json')).toEqual({ found: false, why });
  });

  it('is ignored, saying why, when the file is not one, or is one from an earlier build', () => {
    expect(decodeParsedPolicy('{', ROOT_POLICY, 'p.json')).toMatchObject({
      found: false,
      why: expect.stringMatching(/^p\.json is not JSON \(/),
    });
    const notOne = { found: false, why: 'p.json is not a validated policy (format 2)' };
    expect(decodeParsedPolicy('{"format":2}', ROOT_POLICY, 'p.json')).toEqual(notOne);
    // What builds before format 2 wrote: the YAML document, not the validated policy.
    const formatOne = edited(ROOT_POLICY, (file) => {
      file.format = 1;
    });
    expect(decodeParsedPolicy(formatOne, ROOT_POLICY, 'p.json')).toEqual(notOne);
  });

  it('is not written when JSON cannot carry the policy exactly', () => {
    const { policy, warnings } = loadPolicy(ROOT_POLICY, 'policy.yaml');
    for (const odd of [Number.NaN, Number.POSITIVE_INFINITY, undefined, new Date(0)]) {
      expect(
        encodeParsedPolicy(ROOT_POLICY, { policy: { ...policy, version: odd as never }, warnings }),
      ).toBe(undefined);
    }
  });
});

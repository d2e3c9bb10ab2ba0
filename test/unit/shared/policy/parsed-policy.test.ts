import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadPolicy, parseYaml } from '../../../../shared/policy/load-policy.js';
import { decodeParsedPolicy, encodeParsedPolicy } from '../../../../shared/policy/parsed-policy.js';
import { validatePolicy } from '../../../../shared/policy/validate-policy.js';
import { policyDocument } from './arbitraries.js';

/** The design's policy (a fixture, not the shipped example). */
const ROOT_POLICY = readFileSync(new URL('../../../fixtures/policies/design.yaml', import.meta.url), 'utf8');

/** What the build writes for `text`, then what the cold start makes of it. */
function throughTheBuild(text: string) {
  const { value, warnings } = parseYaml(text, 'policy.yaml');
  const json = encodeParsedPolicy(text, value, warnings);
  if (json === undefined) throw new Error('not representable');
  const lookup = decodeParsedPolicy(json, text, 'policy.yaml.parsed.json');
  if (!lookup.found) throw new Error(lookup.why);
  return validatePolicy(lookup.document, lookup.yamlWarnings, 'policy.yaml');
}

describe('the policy as the build parsed it', () => {
  it('validates to the very policy, findings and warnings that parsing the YAML gives', () => {
    expect(throughTheBuild(ROOT_POLICY)).toEqual(loadPolicy(ROOT_POLICY, 'policy.yaml'));
  });

  it('does so for any valid policy, and with YAML warnings', () => {
    fc.assert(
      fc.property(policyDocument, (document) => {
        const text = stringify(document);
        expect(throughTheBuild(text)).toEqual(loadPolicy(text, 'policy.yaml'));
      }),
    );
    const withWarning = ROOT_POLICY.replace(/^mode: enforce/m, 'mode: !unknown enforce');
    expect(loadPolicy(withWarning, 'policy.yaml').warnings).toEqual([
      expect.stringContaining('Unresolved tag: !unknown'),
    ]);
    expect(throughTheBuild(withWarning)).toEqual(loadPolicy(withWarning, 'policy.yaml'));
    // Refused alike: the stored document is checked as the parsed YAML is.
    const protoKey = ROOT_POLICY.replace('team: payments', '__proto__: payments');
    expect(() => loadPolicy(protoKey, 'policy.yaml')).toThrow(/the tag key "__proto__" is not supported/);
    expect(() => throughTheBuild(protoKey)).toThrow(/the tag key "__proto__" is not supported/);
  });

  it('is not used for any other text: a changed policy is parsed again', () => {
    const { value, warnings } = parseYaml(ROOT_POLICY, 'policy.yaml');
    const json = encodeParsedPolicy(ROOT_POLICY, value, warnings) ?? '';
    expect(decodeParsedPolicy(json, `${ROOT_POLICY}# edited in the console\n`, 'p.json')).toEqual({
      found: false,
      why: 'the policy changed since the build parsed it into p.json',
    });
  });

  it('is ignored, saying why, when the file is not one', () => {
    expect(decodeParsedPolicy('{', ROOT_POLICY, 'p.json')).toMatchObject({
      found: false,
      why: expect.stringMatching(/^p\.json is not JSON \(/),
    });
    expect(decodeParsedPolicy('{"format":2}', ROOT_POLICY, 'p.json')).toEqual({
      found: false,
      why: 'p.json is not a parsed policy (format 1)',
    });
  });

  it('is not written when JSON cannot carry the document exactly (YAML .inf, .nan, !!binary)', () => {
    for (const text of ['version: .inf\n', 'version: 1\nx: .nan\n', 'version: 1\nx: !!binary aGVsbG8=\n']) {
      const { value, warnings } = parseYaml(text, 'policy.yaml');
      expect(encodeParsedPolicy(text, value, warnings)).toBeUndefined();
    }
  });
});

/** `ram-role-attacher iam [--central-account <uid>] [--account A]... [--region R] [--policy F] [--s-yaml F] [--json]` */
import { type Colours, colours } from './colour.js';
import type { Command } from './command.js';
import { REGION_ALLOWED, regionCheck, uidCheck } from './flag-checks.js';
import { accountFlags, accountIdList, coveredAccounts, memberRoleFlag } from './fleet/account-flags.js';
import { lazyOperatorCredentials } from './fleet/ecs-access.js';
import { readDeploymentNames } from './iam/deployment-names.js';
import { type IamDocuments, iamDocuments } from './iam/ram-documents.js';
import {
  chosenFile,
  DEFAULT_S_YAML,
  displayName,
  givenPolicyFile,
  loadPolicyFile,
  readText,
} from './policy-file.js';

const PRINTABLE = [
  'attach-trust',
  'attach-permissions',
  'alert-trust',
  'alert-permissions',
  'member-trust',
] as const;

const USAGE = `usage: ram-role-attacher iam [--central-account <uid>] [--account A]... [--region R] [--policy F]
                            [--s-yaml F] [--member-role R] [--accounts-from S [--folder F]] [--json | --print D]

Prints the least-privilege RAM documents for the two functions, generated from the policy and from s.yaml
(rendered as \`s deploy\` renders it, with your environment): one role per function.

  attach function   permission policy: ecs:DescribeInstances, ecs:DescribeInstanceRamRole,
                    ecs:AttachInstanceRamRole, ecs:DetachInstanceRamRole; ram:PassRole on exactly the roles
                    in allowedRoles; mns:PublishMessage on the failure topic; fc:InvokeFunction on itself
                    (a sweep continues itself); trust policy: fc.aliyuncs.com
  alert function    permission policy: mns:ReceiveMessage, mns:DeleteMessage, mns:ChangeMessageVisibility
                    on the alert queue, and those and mns:SendMessage on its lease queue, only. It holds the
                    webhook secrets and talks to the internet, so it gets no ram:PassRole and no ECS access;
                    trust policy: fc.aliyuncs.com

  member role       with accounts: in the policy, for each member account: the role the attach function
                    assumes there (--member-role, default ram-role-attacher-member), trusting only the attach
                    function's role, with the four ECS actions and ram:PassRole on that account's allowed
                    roles; the attach function's policy then also allows sts:AssumeRole on exactly those roles

  --central-account <uid>
                    the account the functions run in (16 digits); default ALIBABA_CLOUD_ACCOUNT_ID, else,
                    with a policy without accounts:, the one --account
  --account A       a member account whose role to print (16 digits, one of the policy's accounts); repeat it
                    (or comma-separate) for more (default: every account the policy lists). The attach
                    function's own policy always names every listed account's member role: it is one document
  --member-role R   the member role's name (MEMBER_ROLE_NAME; default ram-role-attacher-member)
  --accounts-from S policy or resource-directory, as the function's ACCOUNTS (default: policy). With
                    resource-directory the member accounts are those the Resource Directory lists (read with
                    your credentials, resourcemanager:ListAccounts), scoped by the policy's accounts: if any
  --folder F        with resource-directory: one folder's members only, as ACCOUNTS_FOLDER
  --resource-directory-endpoint URL
                    the Resource Directory's endpoint, http(s)://host[:port]; for the emulators
  --region R        the functions' region (default: s.yaml's, i.e. REGION or cn-hangzhou)
  --policy F        the policy (default: the repository's policy.yaml)
  --s-yaml F        the deployment (default: the repository's s.yaml)
                    (paths are relative to the directory you ran npm from)
  --json            print one JSON object: {attachFunction: {functionName, roleName, permissions, trust},
                    alertFunction: {...}}; roleName is the role s.yaml gives the function
                    (ATTACH_FUNCTION_ROLE_ARN / ALERT_FUNCTION_ROLE_ARN, default ram-role-attacher and
                    ram-role-attacher-alert): create it with the trust policy, attach the permission policy
  --print D         print one document alone, as compact JSON, for the aliyun CLI
                    (\`aliyun ram CreateRole --AssumeRolePolicyDocument "$(… --print attach-trust)"\`):
                    ${PRINTABLE.join(', ')}
  -h, --help        show this help`;

function printed(documents: IamDocuments, which: (typeof PRINTABLE)[number]): unknown {
  // Every member role trusts the same principal; their permission policies differ by account (see --json).
  if (which === 'member-trust') return documents.memberRoles?.[0]?.trust ?? null;
  const fn = which.startsWith('attach') ? documents.attachFunction : documents.alertFunction;
  return which.endsWith('trust') ? fn.trust : fn.permissions;
}

function render(documents: IamDocuments, c: Colours): string {
  const sections: string[] = [];
  for (const [label, fn] of [
    ['attach function', documents.attachFunction],
    ['alert function', documents.alertFunction],
  ] as const) {
    for (const [kind, document] of [
      ['permission policy', fn.permissions],
      ['trust policy', fn.trust],
    ] as const) {
      sections.push(
        `${c.bold(`# ${label} ${JSON.stringify(fn.functionName)}${fn.roleName === undefined ? '' : `, role ${fn.roleName}`}: ${kind}`)}\n${JSON.stringify(document, null, 2)}`,
      );
    }
  }
  for (const member of documents.memberRoles ?? []) {
    for (const [kind, document] of [
      ['permission policy', member.permissions],
      ['trust policy', member.trust],
    ] as const) {
      sections.push(
        `${c.bold(`# member account ${member.accountId}, role ${member.roleName}: ${kind}`)}\n${JSON.stringify(document, null, 2)}`,
      );
    }
  }
  return sections.join('\n\n');
}

export const iam: Command = {
  name: 'iam',
  summary: 'print the least-privilege RAM policies and trust policies of the two functions',
  usage: USAGE,
  async run(cli, args) {
    const { values } = cli.parse(
      {
        account: { type: 'string', multiple: true },
        'central-account': { type: 'string' },
        region: { type: 'string' },
        policy: { type: 'string' },
        's-yaml': { type: 'string' },
        json: { type: 'boolean', default: false },
        print: { type: 'string' },
        'member-role': { type: 'string' },
        'accounts-from': { type: 'string' },
        folder: { type: 'string' },
        'resource-directory-endpoint': { type: 'string' },
      },
      { args },
    );
    const print = values.print === undefined ? undefined : cli.choice('print', values.print, PRINTABLE);
    if (print !== undefined && values.json) cli.usageError('--print and --json: give one of them');
    const given = accountIdList(cli, values.account);
    const region =
      values.region === undefined
        ? undefined
        : cli.want('region', values.region, REGION_ALLOWED, regionCheck);
    const { policy } = loadPolicyFile(givenPolicyFile(cli, values.policy, '--policy'));
    // The directory's members when asked for (read with your credentials, as the function reads them); the
    // flags' checks are plan's whenever one of them is given.
    const directoryFlags =
      values['accounts-from'] === undefined &&
      values.folder === undefined &&
      values['resource-directory-endpoint'] === undefined
        ? undefined
        : await coveredAccounts(
            cli,
            // Every member, not only --account's: the attach function's policy names them all.
            { ...accountFlags(cli, values, policy), given: [] },
            policy,
            lazyOperatorCredentials(),
          );
    const fromDirectory = directoryFlags?.source === 'resource-directory';
    const listed = fromDirectory
      ? directoryFlags.accounts.filter((id): id is string => id !== undefined)
      : policy.accounts?.map((a) => a.id);
    // Without accounts: the one account is the central one, so `--account` names it (as before accounts).
    const central =
      values['central-account'] ??
      (process.env.ALIBABA_CLOUD_ACCOUNT_ID?.trim() || undefined) ??
      (listed === undefined && given.length === 1 ? given[0] : undefined);
    const accountId =
      central === undefined && given.length === 0 && listed === undefined
        ? cli.want('account', undefined, 'the account id (UID), 16 digits', uidCheck)
        : cli.want(
            'central-account',
            central,
            'the account the functions run in, 16 digits; or set ALIBABA_CLOUD_ACCOUNT_ID',
            uidCheck,
          );
    const stranger = given.find((id) => (listed === undefined ? id !== accountId : !listed.includes(id)));
    if (stranger !== undefined) {
      cli.usageError(
        listed === undefined
          ? `--account: ${JSON.stringify(stranger)} is not the central account ${accountId}, and the policy lists no accounts:`
          : `--account: ${JSON.stringify(stranger)} is not one of the ${fromDirectory ? "Resource Directory's" : "policy's"} accounts (${listed.join(', ')})`,
      );
    }
    const sYaml = chosenFile(values['s-yaml'], DEFAULT_S_YAML);
    readText(sYaml, 'the deployment'); // fails naming the file, before the renderer would
    const names = readDeploymentNames(sYaml, {
      accountId,
      ...(region === undefined ? {} : { env: { REGION: region } }),
    });
    if (names.attach.failureTargets.length === 0) {
      throw new Error(
        `${displayName(sYaml)}: the attach function sets neither DEAD_LETTER_TOPIC nor DEAD_LETTER_QUEUE`,
      );
    }
    const memberRole = memberRoleFlag(cli, values['member-role'], process.env);
    const memberIds = (listed ?? []).filter((id) => id !== accountId);
    const all = iamDocuments({
      ...(listed === undefined ? {} : { members: { accountIds: memberIds, roleName: memberRole } }),
      accountId,
      region: names.region,
      allowedRoles: policy.allowedRoles,
      attach: names.attach,
      alert: names.alert,
    });
    const documents =
      given.length === 0 || all.memberRoles === undefined
        ? all
        : { ...all, memberRoles: all.memberRoles.filter((m) => given.includes(m.accountId)) };
    cli.io.stdout.write(
      print !== undefined
        ? `${JSON.stringify(printed(documents, print))}\n`
        : values.json
          ? `${JSON.stringify(documents, null, 2)}\n`
          : `${render(documents, colours(cli.io.stdout))}\n`,
    );
    return 0;
  },
};

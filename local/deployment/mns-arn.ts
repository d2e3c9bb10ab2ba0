/** `acs:mns:<region>:<account>:/queues/<name>[/messages]` or `…:/topics/<name>[/messages]`, as FC destinations and EventBridge dead-letter queues name them. */
export interface MnsArn {
  region: string;
  accountId: string;
  kind: 'queue' | 'topic';
  name: string;
}

const MNS_ARN = /^acs:mns:([a-z0-9-]+):(\d+):\/(queues|topics)\/([A-Za-z0-9-]{1,120})(?:\/messages)?$/;

export function parseMnsArn(arn: string): MnsArn {
  const match = MNS_ARN.exec(arn);
  if (match === null) throw new Error(`not an MNS queue or topic ARN: ${JSON.stringify(arn)}`);
  const [, region, accountId, kind, name] = match as unknown as [string, string, string, string, string];
  return { region, accountId, kind: kind === 'queues' ? 'queue' : 'topic', name };
}

import { escapeXml, MNS_XMLNS } from './mns-xml.js';

/**
 * MNS error codes the emulator answers, with their HTTP status and default message as the MNS error-code table
 * documents them (help/doc-detail/27501). `InvalidDegist` is spelled as MNS spells it. `InvalidSecurityToken` is
 * not in that table: it is this emulator's stand-in for a bad or missing STS token (cloud-facts MNS-6). TimeExpired
 * is 408 here, the signature page says 400 (MNS-2).
 */
export const MNS_ERRORS = {
  AccessDenied: [403, 'The OwnerId that your Access Key Id associated to is forbidden for this operation.'],
  InvalidAccessKeyId: [403, 'The AccessKey Id you provided is not exist.'],
  SignatureDoesNotMatch: [
    403,
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  ],
  InvalidSecurityToken: [403, 'The security token you provided is invalid.'],
  MissingAuthorizationHeader: [400, 'Authorization header is required.'],
  InvalidAuthorizationHeader: [400, 'The Authorization header format is invalid.'],
  MissingDateHeader: [400, 'Date header is required.'],
  InvalidDateHeader: [400, 'The Date header format is invalid.'],
  TimeExpired: [408, 'The Http Request you sent is expired.'],
  InvalidDegist: [400, 'The Content-MD5 you specified is invalid.'],
  MalformedXML: [400, 'The XML you provided was not well-formed.'],
  InvalidArgument: [400, 'The XML you provided did not validate against our published schema.'],
  InvalidRequestURL: [400, 'Http request URL format invalid.'],
  InvalidQueryString: [400, 'Http request URL contains invalid querystring item.'],
  MissingReceiptHandle: [400, 'ReceiptHandle is required.'],
  MissingVisibilityTimeout: [400, 'VisibilityTimeout is required.'],
  ReceiptHandleError: [400, 'The receipt handle you provide is not valid.'],
  MessageNotExist: [404, 'Message not exist.'],
  QueueNotExist: [404, 'The queue name you provided is not exist.'],
  QueueAlreadyExist: [409, 'The queue you want to create is already exist.'],
  InvalidQueueName: [
    400,
    'The queue name you provided is invalid. The first character must be a letter; letters, digits and "-" may follow.',
  ],
  // Topic model (the topic API pages and the error-code table; wording of the 409s and SubscriptionNotExist inferred).
  TopicNotExist: [404, 'The topic you provided does not exist.'],
  TopicAlreadyExist: [409, 'The topic you want to create is already exist.'],
  SubscriptionNotExist: [404, 'The subscription you provided is not exist.'],
  SubscriptionAlreadyExist: [409, 'The subscription you want to create is already exist.'],
  InternalError: [500, 'Interal error.'],
} as const satisfies Record<string, readonly [number, string]>;

export type MnsErrorCode = keyof typeof MNS_ERRORS;

/** An error answer: thrown by operation handlers, turned into the `<Error>` document by the server. */
export class MnsError extends Error {
  override name = 'MnsError';
  readonly status: number;

  constructor(
    readonly code: string,
    message?: string,
    status?: number,
  ) {
    const known = (MNS_ERRORS as Record<string, readonly [number, string]>)[code];
    super(message ?? known?.[1] ?? code);
    this.status = status ?? known?.[0] ?? 500;
  }
}

/** `<Error xmlns="…"><Code/><Message/><RequestId/><HostId/></Error>`, as every MNS error body looks. */
export function errorDocument(code: string, message: string, requestId: string, hostId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error xmlns="${MNS_XMLNS}">` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>` +
    `<RequestId>${escapeXml(requestId)}</RequestId><HostId>${escapeXml(hostId)}</HostId></Error>`
  );
}

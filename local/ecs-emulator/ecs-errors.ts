/**
 * Every error code the ECS emulator answers with, its HTTP status and message. Codes and messages come from
 * Alibaba Cloud's public error tables (the API gateway's common codes and the ECS API pages) where one is
 * documented; the few marked "emulator's choice" have no documented real code.
 */

interface ErrorSpec {
  status: number;
  message: string;
}

export const ECS_ERRORS = {
  // Gateway: authentication and request shape (common to every Alibaba Cloud RPC API).
  IncompleteSignature: {
    status: 400,
    message: 'The request signature does not conform to Aliyun standards.',
  },
  'InvalidAccessKeyId.NotFound': { status: 404, message: 'Specified access key is not found.' },
  SignatureDoesNotMatch: { status: 400, message: 'Specified signature does not match our calculation.' },
  // Emulator's choice: no documented code for an x-acs-content-sha256 that is not the body's hash; named like
  // the documented ContentMD5NotMatched.
  ContentSHA256NotMatched: {
    status: 400,
    message: 'The x-acs-content-sha256 header does not match the SHA-256 of the request body.',
  },
  InvalidSignatureMethod: { status: 400, message: 'Specified signature method is not supported.' },
  MissingAccessKeyId: { status: 400, message: 'AccessKeyId is mandatory for this action.' },
  MissingSignature: { status: 400, message: 'Signature is mandatory for this action.' },
  MissingTimestamp: { status: 400, message: 'Timestamp is mandatory for this action.' },
  MissingSignatureNonce: { status: 400, message: 'SignatureNonce is mandatory for this action.' },
  'InvalidTimeStamp.Format': {
    status: 400,
    message: 'Specified time stamp or date value is not well formatted.',
  },
  'InvalidTimeStamp.Expired': { status: 400, message: 'Specified time stamp or date value is expired.' },
  SignatureNonceUsed: { status: 400, message: 'Specified signature nonce was used already.' },
  'InvalidSecurityToken.Malformed': { status: 400, message: 'Specified SecurityToken is malformed.' },
  'InvalidSecurityToken.MismatchWithAccessKey': {
    status: 400,
    message: 'Specified SecurityToken mismatch with the AccessKey.',
  },
  // The gateway's answer to STS keys past their Expiration (the code OpenAPI gateways use; cloud-facts AC-15).
  'InvalidSecurityToken.Expired': { status: 400, message: 'Specified SecurityToken is expired.' },
  UnsupportedHTTPMethod: { status: 400, message: 'This http method is not supported.' },
  'InvalidAction.NotFound': {
    status: 404,
    message: 'Specified api is not found, please check your url and method.',
  },
  InvalidVersion: { status: 400, message: 'Specified parameter Version is not valid.' },

  // ECS parameters.
  'MissingParameter.RegionId': {
    status: 400,
    message: 'The input parameter RegionId that is mandatory for processing this request is missing.',
  },
  'MissingParameter.InstanceIds': {
    status: 400,
    message: 'The input parameter InstanceIds that is mandatory for processing this request is missing.',
  },
  'MissingParameter.RamRoleName': {
    status: 400,
    message: 'The input parameter RamRoleName that is mandatory for processing this request is missing.',
  },
  InvalidParameter: { status: 400, message: 'The specified parameter is not valid.' },
  // DescribeInstances' own table lists no paging codes; these are the ECS API's codes for them on its other
  // NextToken operations (cloud-facts SW-2).
  'InvalidParameter.NextToken': { status: 400, message: 'The specified parameter NextToken is not valid.' },
  'InvalidParameter.MaxResults': { status: 400, message: 'The specified parameter MaxResults is not valid.' },
  'InvalidParameter.AllEmpty': {
    status: 403,
    message: 'At least one of the parameters InstanceIds and RamRoleName must be specified.',
  },
  'InvalidInstanceIds.Malformed': { status: 400, message: 'The specified InstanceIds is not valid.' },
  MissingParameter: {
    status: 400,
    message: 'An input parameter that is mandatory for processing this request is not supplied.',
  },
  'InvalidRegionId.NotFound': { status: 404, message: 'The specified RegionId does not exist.' },
  DryRunOperation: { status: 400, message: 'Request validation has been passed with DryRun flag set.' },

  // RunInstances (codes and messages from the RunInstances/CreateInstance error tables).
  'InvalidInstanceType.ValueNotSupported': {
    status: 400,
    message: 'The specified InstanceType does not exist or beyond the permitted range.',
  },
  'InvalidInstanceName.Malformed': {
    status: 400,
    message: 'The specified parameter "InstanceName" is not valid.',
  },
  'InvalidVSwitchId.NotFound': { status: 404, message: 'Specified virtual switch does not exist.' },

  // Tags (TagResources/UntagResources error tables; the 404s for missing parameters are as documented there).
  'MissingParameter.ResourceType': {
    status: 404,
    message: 'The parameter - ResourceType should not be null',
  },
  'MissingParameter.Tags': { status: 404, message: 'The parameter - Tags should not be null' },
  // Emulator's choice: no documented code for a call naming no ResourceId; named like its siblings.
  'MissingParameter.ResourceIds': { status: 404, message: 'The parameter - ResourceIds should not be null' },
  'NumberExceed.ResourceIds': {
    status: 400,
    message: "The ResourceIds parameter's number is exceed , Valid : 50",
  },
  'NumberExceed.Tags': { status: 400, message: "The Tags parameter's number is exceed , Valid : 20" },
  'Duplicate.TagKey': { status: 400, message: 'The Tag.N.Key contain duplicate key.' },
  'InvalidResourceType.NotFound': {
    status: 404,
    message: 'The ResourceType provided does not exist in our records.',
  },
  'InvalidResourceId.NotFound': {
    status: 404,
    message: 'The specified ResourceIds are not found in our records.',
  },
  'InvalidTagKey.Malformed': { status: 400, message: 'The specified Tag.n.Key is not valid.' },
  'InvalidTagValue.Malformed': { status: 400, message: 'The specified Tag.n.Value is not valid.' },
  'OperationDenied.QuotaExceed': {
    status: 400,
    message: 'The quota of tags on resource is beyond permitted range.',
  },

  // ECS resources (request-level and per-instance).
  'InvalidInstanceId.NotFound': { status: 404, message: 'The specified InstanceId does not exist.' },
  'InvalidRamRole.NotFound': { status: 404, message: 'The specified RamRoleName does not exist.' },
  'InvalidRamRole.NotEcsRole': {
    status: 404,
    message: 'The specified ram role is not authorized for ecs, please check your role policy.',
  },
  'InvalidNetworkType.MismatchRamRole': {
    status: 403,
    message: 'Ram role cannot be attached to instances of Classic network type.',
  },
  'InvalidUser.PassRoleForbidden': {
    status: 403,
    message: 'The RAM user does not have the privilege to pass a RAM role.',
  },
  // Emulator's choice: the real code for attaching to an instance that already has a role is undocumented (the
  // SDK's doc comment only says "an error is returned", cloud-facts ECS-16). The default of
  // `EcsBehaviour.alreadyAttachedCode`; its message is used whatever code is configured.
  'InvalidRamRole.AlreadyAttached': {
    status: 403,
    message: 'The instance already has an instance RAM role attached; detach it before attaching another.',
  },
  // Emulator's choice: undocumented real code for detaching from an instance with no role (cloud-facts ECS-17).
  'InvalidRamRole.NotAttached': { status: 403, message: 'The instance has no instance RAM role attached.' },
  // Emulator's choice: undocumented real code for a detach whose RamRoleName is not the instance's role (ECS-17).
  'InvalidRamRole.Mismatch': {
    status: 403,
    message: 'The specified RamRoleName is not the instance RAM role attached to the instance.',
  },
  IncorrectInstanceStatus: {
    status: 403,
    message: 'The current status of the resource does not support this operation.',
  },

  // Generic service-side codes (used by scripted faults). `Throttling.User` is also the emulator's own answer
  // when a per-API rate limit is exceeded (the user's own quota for one API, as opposed to `Throttling.Api`,
  // the API's capacity for everyone).
  Throttling: { status: 400, message: 'Request was denied due to request throttling.' },
  'Throttling.User': { status: 400, message: 'Request was denied due to user flow control.' },
  'Throttling.Api': { status: 400, message: 'Request was denied due to api flow control.' },
  ServiceUnavailable: {
    status: 503,
    message: 'The request has failed due to a temporary failure of the server.',
  },
  InternalError: { status: 500, message: 'The request processing has failed due to some unknown error.' },
  OperationConflict: {
    status: 409,
    message: 'Request was denied due to conflict with a previous request, please try again later.',
  },
  'Forbidden.RAM': {
    status: 403,
    message: "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
  },
} as const satisfies Record<string, ErrorSpec>;

export type EcsErrorCode = keyof typeof ECS_ERRORS;

function spec(code: string): ErrorSpec | undefined {
  return Object.hasOwn(ECS_ERRORS, code) ? ECS_ERRORS[code as EcsErrorCode] : undefined;
}

/** HTTP status for any code, including ones not in the table (scripted faults may use any code). */
export function statusForCode(code: string): number {
  const known = spec(code);
  if (known) return known.status;
  if (code.startsWith('Throttling')) return 400;
  if (code.startsWith('ServiceUnavailable')) return 503;
  if (code.startsWith('InternalError')) return 500;
  if (code.endsWith('.NotFound')) return 404;
  return 400;
}

export function messageForCode(code: string): string {
  return spec(code)?.message ?? `Scripted failure ${code}.`;
}

/** A request-level failure: becomes a JSON error body with this status. */
export class EcsApiError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string = messageForCode(code), status: number = statusForCode(code)) {
    super(message);
    this.name = 'EcsApiError';
    this.code = code;
    this.status = status;
  }
}

/** The documented error of a code, optionally with a more specific message. */
export function ecsError(code: EcsErrorCode, message?: string): EcsApiError {
  return new EcsApiError(code, message ?? ECS_ERRORS[code].message, ECS_ERRORS[code].status);
}

/** Body of every error answer, shaped like the real service's (`sdk-wire.md` §3.6). */
export function errorBody(
  requestId: string,
  hostId: string,
  code: string,
  message: string,
): Record<string, string> {
  return {
    RequestId: requestId,
    HostId: hostId,
    Code: code,
    Message: message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=Ecs&requestId=${requestId}`,
  };
}

/**
 * Types for the subset of `@alicloud/mns` 1.2.0 (which ships none) that this project uses, from its lib/client.js
 * and observed behaviour (docs: sdk-wire.md §4).
 *
 * - Every XML leaf comes back as a string (`DequeueCount: "1"`).
 * - An XML `<Error>` answer throws a plain Error named `MNS<Code>Error` (no code/status properties).
 * - A non-XML answer (any status, e.g. a 503 text/plain) does not throw: `body` is undefined. For the batch calls
 *   that then read `body.Message`, that surfaces as a TypeError instead.
 */
declare module '@alicloud/mns/lib/client.js' {
  namespace MNSClient {
    interface ClientOptions {
      accessKeyId: string;
      accessKeySecret: string;
      /** STS token: sent as the unsigned `security-token` header. */
      securityToken?: string;
      /** `http(s)://host[:port]`; the scheme is required. */
      endpoint?: string;
      /** Required when no endpoint is given. */
      region?: string;
      /** Default 40000 ms. */
      readTimeout?: number;
      /** Default 30000 ms. */
      connectTimeout?: number;
    }

    interface MnsResponse<Body> {
      /** HTTP status. */
      code: number;
      /** Only the "attention" headers of the call (`location` for createQueue). */
      headers: Record<string, string | undefined>;
      body: Body;
    }

    interface SendMessageParams {
      MessageBody: string;
      DelaySeconds?: number;
      Priority?: number;
    }

    interface SentMessage {
      MessageId: string;
      MessageBodyMD5: string;
    }

    /** One entry of a BatchSendMessage answer: sent, or (partial failure, HTTP 500) failed. */
    interface BatchSendEntry {
      MessageId?: string;
      MessageBodyMD5?: string;
      ErrorCode?: string;
      ErrorMessage?: string;
    }

    interface ReceivedMessage {
      MessageId: string;
      ReceiptHandle: string;
      MessageBodyMD5: string;
      MessageBody: string;
      EnqueueTime: string;
      NextVisibleTime: string;
      FirstDequeueTime: string;
      DequeueCount: string;
      Priority: string;
    }

    /** A peeked message: no ReceiptHandle or NextVisibleTime. */
    type PeekedMessage = Omit<ReceivedMessage, 'ReceiptHandle' | 'NextVisibleTime'>;

    interface BatchDeleteError {
      ErrorCode: string;
      ErrorMessage: string;
      ReceiptHandle: string;
    }

    interface ChangedVisibility {
      ReceiptHandle: string;
      NextVisibleTime: string;
    }

    interface QueueAttributesParams {
      VisibilityTimeout?: number;
      DelaySeconds?: number;
      MaximumMessageSize?: number;
      MessageRetentionPeriod?: number;
      PollingWaitSeconds?: number;
    }
  }

  class MNSClient {
    constructor(accountId: string, opts: MNSClient.ClientOptions);
    sendMessage(
      queueName: string,
      params: MNSClient.SendMessageParams,
    ): Promise<MNSClient.MnsResponse<MNSClient.SentMessage | undefined>>;
    /** 201 with every entry sent, or 500 with per-entry `ErrorCode`s (partial failure): neither throws. */
    batchSendMessage(
      queueName: string,
      params: readonly MNSClient.SendMessageParams[],
    ): Promise<MNSClient.MnsResponse<MNSClient.BatchSendEntry[]>>;
    /** An empty queue throws `MNSMessageNotExistError`. */
    receiveMessage(
      queueName: string,
      waitSeconds?: number,
    ): Promise<MNSClient.MnsResponse<MNSClient.ReceivedMessage | undefined>>;
    batchReceiveMessage(
      queueName: string,
      numOfMessages: number,
      waitSeconds?: number,
    ): Promise<MNSClient.MnsResponse<MNSClient.ReceivedMessage[]>>;
    /** Looks at the next visible message without receiving it; an empty queue throws `MNSMessageNotExistError`. */
    peekMessage(queueName: string): Promise<MNSClient.MnsResponse<MNSClient.PeekedMessage | undefined>>;
    batchPeekMessage(
      queueName: string,
      numOfMessages: number,
    ): Promise<MNSClient.MnsResponse<MNSClient.PeekedMessage[]>>;
    /** 204, body undefined; a stale handle throws `MNSReceiptHandleErrorError`. */
    deleteMessage(queueName: string, receiptHandle: string): Promise<MNSClient.MnsResponse<undefined>>;
    /** 204 with body undefined when all were deleted; otherwise the handles that were not. */
    batchDeleteMessage(
      queueName: string,
      receiptHandles: readonly string[],
    ): Promise<MNSClient.MnsResponse<MNSClient.BatchDeleteError[] | undefined>>;
    changeMessageVisibility(
      queueName: string,
      receiptHandle: string,
      visibilityTimeout: number,
    ): Promise<MNSClient.MnsResponse<MNSClient.ChangedVisibility | undefined>>;
    createQueue(
      queueName: string,
      params?: MNSClient.QueueAttributesParams,
    ): Promise<MNSClient.MnsResponse<undefined>>;
    getQueueAttributes(queueName: string): Promise<MNSClient.MnsResponse<Record<string, string> | undefined>>;
  }

  export = MNSClient;
}

declare module '@alicloud/mns' {
  import MNSClient = require('@alicloud/mns/lib/client.js');
  export = MNSClient;
}

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

    /** Sent as child elements in this order; a boolean goes out as `true`/`false`. */
    interface TopicAttributesParams {
      /** 1024–65536 bytes; MNS's default 65536. */
      MaximumMessageSize?: number;
      LoggingEnabled?: boolean | 'True' | 'False';
    }

    /** GetTopicAttributes: every value a string (`MaximumMessageSize: "65536"`, `LoggingEnabled: "False"`). */
    interface TopicAttributes {
      TopicName: string;
      CreateTime: string;
      LastModifyTime: string;
      MaximumMessageSize: string;
      MessageRetentionPeriod: string;
      MessageCount: string;
      LoggingEnabled: string;
    }

    /**
     * PublishMessage. Sent as `<MessageBody>…</MessageBody><MessageTag>…</MessageTag>` without any escaping (as
     * sendMessage): XML-escape or Base64 a body that may hold `<` or `&`.
     */
    interface PublishMessageParams {
      MessageBody: string;
      /** Routes the message to subscriptions with this FilterTag (and to those without one). */
      MessageTag?: string;
    }

    interface TopicListEntry {
      TopicURL: string;
    }

    /**
     * A parsed XML answer as the generic calls return it: each child of the root element keyed by name; a text-only
     * element that appears once is its string, anything else an array of such records.
     */
    type XmlValue = string | XmlRecord[];
    interface XmlRecord {
      [element: string]: XmlValue;
    }

    /** Options of the generic calls (httpx request options; `headers` are added to the signed headers). */
    interface RequestOptions {
      /** e.g. `x-mns-prefix`, `x-mns-marker`, `x-mns-ret-number`: signed like every `x-mns-*` header. */
      headers?: Record<string, string | number>;
      readTimeout?: number;
      connectTimeout?: number;
      timeout?: number;
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

    /** 201 with `headers.location`, 204 when it exists with the same attributes; else `MNSTopicAlreadyExistError`. */
    createTopic(
      topicName: string,
      params?: MNSClient.TopicAttributesParams,
    ): Promise<MNSClient.MnsResponse<undefined>>;
    /** An unknown topic throws `MNSTopicNotExistError`. */
    getTopicAttributes(
      topicName: string,
    ): Promise<MNSClient.MnsResponse<MNSClient.TopicAttributes | undefined>>;
    /** 204. */
    setTopicAttributes(
      topicName: string,
      params?: MNSClient.TopicAttributesParams,
    ): Promise<MNSClient.MnsResponse<undefined>>;
    /**
     * One page of topics (`body` undefined when there are none). The SDK sends `x-mns-prefix` whenever `limit` is
     * given, so pass `start`, `limit` and `prefix` together or none of them.
     */
    listTopic(): Promise<MNSClient.MnsResponse<MNSClient.TopicListEntry[] | undefined>>;
    listTopic(
      start: string | number,
      limit: number,
      prefix: string,
    ): Promise<MNSClient.MnsResponse<MNSClient.TopicListEntry[] | undefined>>;
    /** 201 with the MessageId and MD5; an unknown topic throws `MNSTopicNotExistError`. */
    publishMessage(
      topicName: string,
      params: MNSClient.PublishMessageParams,
    ): Promise<MNSClient.MnsResponse<MNSClient.SentMessage | undefined>>;

    // deleteTopic, subscribe, unsubscribe, listSubscriptionByTopic, getSubscriptionAttributes and
    // setSubscriptionAttributes are empty stubs in 1.2.0 (they return undefined and send nothing): use the generic
    // calls below, e.g. put(`/topics/${t}/subscriptions/${s}`, 'Subscription', xml, ['location']).

    /**
     * GET `resource` (path plus query, signed as given). `type` names the root element of a success answer, whose
     * children become `body`; an `<Error>` answer throws `MNS<Code>Error`; a non-XML or empty answer gives `body`
     * undefined.
     */
    get(
      resource: string,
      type: string,
      opts?: MNSClient.RequestOptions,
    ): Promise<MNSClient.MnsResponse<MNSClient.XmlRecord | undefined>>;
    /**
     * PUT `body` (XML, sent as text/xml with its Content-MD5). Content-Length is `body.length`, so pass a Buffer for
     * anything but ASCII. `attentions` names response headers to return in `headers` (e.g. `['location']`).
     */
    put(
      resource: string,
      type: string,
      body: string | Buffer,
      attentions?: readonly string[],
      opts?: MNSClient.RequestOptions,
    ): Promise<MNSClient.MnsResponse<MNSClient.XmlRecord | undefined>>;
    post(
      resource: string,
      type: string,
      body: string | Buffer,
      attentions?: readonly string[],
      opts?: MNSClient.RequestOptions,
    ): Promise<MNSClient.MnsResponse<MNSClient.XmlRecord | undefined>>;
    /** DELETE; pass `''` as the body when there is none (the SDK still sends text/xml and an MD5). */
    delete(
      resource: string,
      type: string,
      body: string | Buffer,
      attentions?: readonly string[],
      opts?: MNSClient.RequestOptions,
    ): Promise<MNSClient.MnsResponse<MNSClient.XmlRecord | undefined>>;
  }

  export = MNSClient;
}

declare module '@alicloud/mns' {
  import MNSClient = require('@alicloud/mns/lib/client.js');
  export = MNSClient;
}

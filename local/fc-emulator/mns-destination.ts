import MNSClient from '@alicloud/mns/lib/client.js';
import type { CredentialStore } from '../credential-store.js';
import type { MnsArn } from '../deployment/mns-arn.js';
import { encodeRecordBody, type FcFailureRecord, type RecordBodyEncoding } from './failure-record.js';
import type { Sleeper } from './sleeper.js';

export interface MnsDestinationOptions {
  /** The MNS emulator, `http://127.0.0.1:PORT`. */
  endpoint: string;
  accountId: string;
  /** FC writes to a destination with a role's STS keys; these are issued from the shared store. */
  credentials: CredentialStore;
  encoding: RecordBodyEncoding;
  /** Tries per record (default 3). */
  attempts?: number;
  /** Wait before the second try; doubles after (already scaled by the emulator's timeScale). */
  retryDelayMs: number;
  sleeper: Sleeper;
}

/** Sends failure records to an MNS queue or topic through `@alicloud/mns`, as FC does for an `onFailure` destination. */
export class MnsDestination {
  readonly #options: MnsDestinationOptions;
  #client: MNSClient | undefined;

  constructor(options: MnsDestinationOptions) {
    this.#options = options;
  }

  /** Tries a few times; resolves whether the record landed (failures go to `log`, never thrown). */
  async send(arn: MnsArn, record: FcFailureRecord, log: (line: string) => void): Promise<boolean> {
    const where = `acs:mns:${arn.region}:${arn.accountId}:/${arn.kind}s/${arn.name}`;
    // @alicloud/mns puts MessageBody into its XML as is (sdk-wire.md §4.4): escape it, so MNS stores the text.
    const messageBody = escapeXmlText(encodeRecordBody(record, this.#options.encoding));
    const attempts = this.#options.attempts ?? 3;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        if (arn.kind === 'queue') await this.#mns().sendMessage(arn.name, { MessageBody: messageBody });
        else await this.#mns().publishMessage(arn.name, { MessageBody: messageBody });
        return true;
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        log(`onFailure destination ${where}: write ${attempt}/${attempts} failed: ${reason}`);
        if (attempt === attempts) break;
        const waited = await this.#options.sleeper.sleep(this.#options.retryDelayMs * 2 ** (attempt - 1));
        if (!waited) break;
      }
    }
    return false;
  }

  #mns(): MNSClient {
    if (this.#client === undefined) {
      const keys = this.#options.credentials.issueSts();
      this.#client = new MNSClient(this.#options.accountId, {
        accessKeyId: keys.accessKeyId,
        accessKeySecret: keys.accessKeySecret,
        securityToken: keys.securityToken,
        endpoint: this.#options.endpoint,
        readTimeout: 5_000,
        connectTimeout: 2_000,
      });
    }
    return this.#client;
  }
}

function escapeXmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

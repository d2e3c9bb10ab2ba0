import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../config/config.js';
import { resolveCredentials } from '../credentials/credentials.js';
import { MnsDeadLetterQueue } from '../dead-letter/dead-letter-queue.js';
import { MnsDeadLetterTopic } from '../dead-letter/dead-letter-topic.js';
import { SdkEcsGateway } from '../ecs/sdk-ecs-gateway.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { createMnsClient } from '../mns/mns-client.js';
import { loadPolicy } from '../policy/load-policy.js';
import { createAttachRoleHandler } from './attach-role-handler.js';

export interface ColdStartOptions {
  /** Log sink; stdout by default. */
  logDestination?: { write(line: string): void };
}

/**
 * Everything the attach-role function does once per instance (cold start): read and validate the environment
 * and the policy — failing loudly, naming what is wrong — then wire the official SDK clients.
 */
export function coldStart(env: NodeJS.ProcessEnv, options: ColdStartOptions = {}) {
  const config = loadConfig(env);
  const logger: Logger = createLogger({
    level: config.logLevel,
    base: { fn: env.FC_FUNCTION_NAME ?? 'attach-role' },
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });
  const policyPath = resolve(config.codePath ?? process.cwd(), config.policyFile);
  const { policy, warnings } = loadPolicy(readFileSync(policyPath, 'utf8'), policyPath);
  for (const warning of warnings) logger.warn({ policy: policyPath }, warning);

  return createAttachRoleHandler({
    config,
    policy,
    logger,
    ecs: (credential) =>
      new SdkEcsGateway({
        credential,
        ...(config.ecsEndpoint === undefined ? {} : { endpoint: config.ecsEndpoint }),
        connectTimeoutMs: config.ecs.connectTimeoutMs,
        readTimeoutMs: config.ecs.readTimeoutMs,
      }),
    deadLetters: (credential, accountId, regionId) => {
      const client = async (timeoutMs: number) =>
        createMnsClient({
          keys: await resolveCredentials(credential),
          accountId,
          regionId,
          endpoint: config.mnsEndpoint,
          timeoutMs,
        });
      const retry = {
        maxAttempts: config.retry.maxAttempts,
        backoff: { baseMs: config.retry.baseMs, capMs: config.retry.capMs },
      };
      return config.deadLetters.kind === 'topic'
        ? new MnsDeadLetterTopic({ topicName: config.deadLetters.name, client, ...retry })
        : new MnsDeadLetterQueue({ queueName: config.deadLetters.name, client, ...retry });
    },
  });
}

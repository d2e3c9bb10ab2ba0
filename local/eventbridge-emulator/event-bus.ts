import type { DefaultBusTrigger, Deployment, QueueRule } from '../deployment/deployment.js';
import type { Deliver } from './direct-delivery.js';
import { compileEventPattern, type EventMatcher } from './event-pattern.js';
import { InFlight } from './in-flight.js';

/** One rule on the default bus: a function trigger (direct shape) or a rule feeding a queue (buffered shape). */
export interface BusRule {
  /** Trigger name or rule name; unique on the bus. */
  name: string;
  target: 'function' | 'queue';
  enabled: boolean;
  matcher: EventMatcher;
  deliver: Deliver;
}

export interface RuleStats {
  target: 'function' | 'queue';
  enabled: boolean;
  /** Events the pattern matched. */
  matched: number;
  delivered: number;
  failed: number;
}

/** Where matching events go; the deployment says which rule uses which. */
export interface BusTargets {
  toFunction(functionName: string, trigger: DefaultBusTrigger): Deliver;
  toQueue(rule: QueueRule): Deliver;
}

/**
 * The rules the deployment puts on the default bus: every `DefaultBusTrigger` of every function and every
 * `QueueRule`. Patterns are compiled here, so an invalid one fails at start, naming the rule and the field.
 */
export function busRules(deployment: Deployment, targets: BusTargets): BusRule[] {
  const rules: BusRule[] = [];
  const compile = (name: string, pattern: unknown) => {
    try {
      return compileEventPattern(pattern);
    } catch (error) {
      throw new Error(`EventBridge rule ${JSON.stringify(name)}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  for (const fn of deployment.functions) {
    for (const trigger of fn.triggers) {
      if (trigger.kind !== 'default-bus') continue;
      rules.push({
        name: trigger.name,
        target: 'function',
        enabled: trigger.enabled,
        matcher: compile(trigger.name, trigger.pattern),
        deliver: targets.toFunction(fn.functionName, trigger),
      });
    }
  }
  for (const rule of deployment.queueRules) {
    rules.push({
      name: rule.name,
      target: 'queue',
      enabled: true,
      matcher: compile(rule.name, rule.pattern),
      deliver: targets.toQueue(rule),
    });
  }
  return rules;
}

/** Routes each published event to every enabled rule whose pattern matches, and counts per rule. */
export class EventBus {
  readonly #rules: readonly BusRule[];
  readonly #stats = new Map<string, RuleStats>();
  readonly #inFlight = new InFlight();

  constructor(rules: readonly BusRule[]) {
    for (const rule of rules) {
      if (this.#stats.has(rule.name))
        throw new Error(`two EventBridge rules are named ${JSON.stringify(rule.name)}`);
      this.#stats.set(rule.name, {
        target: rule.target,
        enabled: rule.enabled,
        matched: 0,
        delivered: 0,
        failed: 0,
      });
    }
    this.#rules = rules;
  }

  /** The names of the enabled rules the event matches, without delivering anything. */
  match(event: unknown): string[] {
    return this.#rules.filter((rule) => rule.enabled && rule.matcher.matches(event)).map((rule) => rule.name);
  }

  /** Starts delivery to every matching rule; returns their names. */
  publish(event: Record<string, unknown>): string[] {
    const names = this.match(event);
    for (const rule of this.#rules) {
      if (!names.includes(rule.name)) continue;
      const stats = this.#counter(rule.name);
      stats.matched++;
      this.#inFlight.track(
        rule.deliver(event).then(
          (ok) => {
            if (ok) stats.delivered++;
            else stats.failed++;
          },
          () => {
            stats.failed++;
          },
        ),
      );
    }
    return names;
  }

  get pending(): number {
    return this.#inFlight.size;
  }

  /** Resolves once no delivery is running. */
  settled(): Promise<void> {
    return this.#inFlight.settled();
  }

  stats(): Record<string, RuleStats> {
    return Object.fromEntries([...this.#stats].map(([name, stats]) => [name, { ...stats }]));
  }

  #counter(name: string): RuleStats {
    const stats = this.#stats.get(name);
    if (stats === undefined) throw new Error(`no EventBridge rule named ${JSON.stringify(name)}`);
    return stats;
  }
}

import { ecsError } from '../ecs-errors.js';
import { readTagKeys } from '../tag-params.js';
import type { EcsAction } from './action.js';
import { tagTargets } from './tag-target.js';

/**
 * UntagResources: removes `TagKey.N` (0–20 keys) from every named instance, or every tag with `All=true` when
 * no key is given (documented: All only applies without TagKey.N). Emulator's choice: neither keys nor All=true
 * is InvalidParameter, since the call would mean nothing. Removing a key an instance does not have is no error
 * and no change; instances whose tags changed get a Tag:ChangeOnResource event naming the removed keys.
 */
export const untagResources: EcsAction = {
  perInstanceResults: false,
  trail: { subject: false },
  run({ params, state, effects }) {
    const targets = tagTargets(params, state);
    const keys = readTagKeys(params);
    const all = params.get('All') === 'true';
    if (keys.length === 0 && !all) {
      throw ecsError('InvalidParameter', 'Either TagKey.N or All=true must be specified.');
    }
    for (const instance of targets) {
      const removed =
        keys.length > 0 ? keys.filter((k) => Object.hasOwn(instance.tags, k)) : Object.keys(instance.tags);
      if (removed.length === 0) continue;
      const next = Object.fromEntries(Object.entries(instance.tags).filter(([k]) => !removed.includes(k)));
      state.setTags(instance.id, next);
      effects.tagsChanged(instance.id, removed);
    }
    effects.reference(targets.map((i) => i.id));
    return {};
  },
};

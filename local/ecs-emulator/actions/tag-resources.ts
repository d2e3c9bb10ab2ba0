import { ecsError } from '../ecs-errors.js';
import { MAX_TAGS_PER_RESOURCE, readTagPairs } from '../tag-params.js';
import type { EcsAction } from './action.js';
import { tagTargets } from './tag-target.js';

/**
 * TagResources: sets the tags on every named instance (an existing key gets the new value), all or none; over
 * 20 tags on one instance is OperationDenied.QuotaExceed. Each instance whose tags actually changed gets a
 * Tag:ChangeOnResource event naming the keys added or changed (a tag set to the value it had is no change).
 */
export const tagResources: EcsAction = {
  perInstanceResults: false,
  trail: { subject: false },
  run({ params, state, effects }) {
    const targets = tagTargets(params, state);
    const tags = readTagPairs(params, true);
    const updates = targets.map((instance) => {
      const next = { ...instance.tags };
      for (const { key, value } of tags) next[key] = value;
      if (Object.keys(next).length > MAX_TAGS_PER_RESOURCE) throw ecsError('OperationDenied.QuotaExceed');
      const changed = tags.filter(({ key, value }) => instance.tags[key] !== value).map(({ key }) => key);
      return { id: instance.id, next, changed };
    });
    for (const { id, next, changed } of updates) {
      state.setTags(id, next);
      if (changed.length > 0) effects.tagsChanged(id, changed);
    }
    effects.reference(targets.map((i) => i.id));
    return {};
  },
};

/** The `tags` / `tagsFilterType` and `productTypes` query filters, over jsonb array columns. */
import { sql, type RawBuilder } from 'kysely';

/** A condition that the jsonb array `column` holds any (default) or all of `tags`. */
export function tagsCondition(column: string, tags: string[], filterType: 'withAnyTags' | 'withAllTags' | undefined): RawBuilder<boolean> {
  return filterType === 'withAllTags'
    ? sql<boolean>`${sql.ref(column)} @> ${JSON.stringify(tags)}::jsonb`
    : sql<boolean>`${sql.ref(column)} ?| ${tags}::text[]`;
}

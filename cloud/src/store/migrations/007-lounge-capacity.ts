import type { Migration } from './types.ts';

/**
 * A lounge's capacity and opening hours (SPEC.md 5 and 8): null capacity means no limit, null
 * hours mean the inside count never resets by itself. Both are published to the lounge's boxes
 * on `lounge/v1/lounges/{id}/config`.
 */
export const loungeCapacity: Migration = {
  id: 7,
  name: 'lounge-capacity',
  up() {
    return [
      'ALTER TABLE lounges ADD COLUMN capacity INTEGER',
      'ALTER TABLE lounges ADD COLUMN hours_opens TEXT',
      'ALTER TABLE lounges ADD COLUMN hours_closes TEXT',
    ];
  },
};

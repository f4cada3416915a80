import { InitialSchema1763683200000 } from '../../migrations/1763683200000-initial-schema';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the same list works from TypeScript sources,
 * from the compiled dist/ and in the tests.
 */
export const migrations = [InitialSchema1763683200000];

import { InitialSchema1763683200000 } from '../../migrations/1763683200000-initial-schema';
import { Registry1763769600000 } from '../../migrations/1763769600000-registry';
import { FlowSessions1763769700000 } from '../../migrations/1763769700000-flow-sessions';
import { Deadlines1763856000000 } from '../../migrations/1763856000000-deadlines';
import { Bulletins1763856100000 } from '../../migrations/1763856100000-bulletins';
import { Inspection1763942400000 } from '../../migrations/1763942400000-inspection';
import { Sandbox1764028800000 } from '../../migrations/1764028800000-sandbox';
import { InspectionImport1764028900000 } from '../../migrations/1764028900000-inspection-import';
import { OutboundFiles1764029100000 } from '../../migrations/1764029100000-outbound-files';

/**
 * Every migration, in order. Listed explicitly (not globbed) so the same list works from TypeScript sources,
 * from the compiled dist/ and in the tests.
 */
export const migrations = [InitialSchema1763683200000, Registry1763769600000, FlowSessions1763769700000, Deadlines1763856000000, Bulletins1763856100000, Inspection1763942400000, Sandbox1764028800000, InspectionImport1764028900000, OutboundFiles1764029100000];

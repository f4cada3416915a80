/**
 * Conversation tests are data (DESIGN §5): every test/conversations/**\/*.yaml transcript runs against the real bot,
 * the fake WeCom and a fresh database, on SQLite and on MySQL/MariaDB. The format: test/conversations/README.md.
 */
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { runTranscript } from '../conversations/harness/conversation-runner';
import { setups } from '../conversations/harness/setups';
import { loadTranscriptFile, type Step, type Transcript } from '../conversations/harness/transcript-schema';
import { testDatabaseKinds } from '../helpers/test-databases';

const ROOT = resolve(__dirname, '../..');
const CONVERSATIONS = resolve(__dirname, '../conversations');

/** Every .yaml/.yml under test/conversations (the harness folder holds code only), sorted for a stable order. */
function transcriptFiles(): string[] {
  return (readdirSync(CONVERSATIONS, { recursive: true }) as string[])
    .filter((file) => /\.ya?ml$/.test(file))
    .map((file) => join(CONVERSATIONS, file))
    .sort();
}

type Loaded = { file: string; transcripts: Transcript[]; error?: undefined } | { file: string; transcripts?: undefined; error: Error };

const loaded: Loaded[] = transcriptFiles().map((path) => {
  const file = relative(ROOT, path);
  try {
    return { file, transcripts: loadTranscriptFile(path, { knownSetups: Object.keys(setups), displayName: file }) };
  } catch (error) {
    return { file, error: error as Error };
  }
});

function countSteps(steps: Step[]): number {
  return steps.reduce((n, step) => n + (step.type === 'together' ? step.steps.length : 1), 0);
}

/** Enough for MySQL: a base for the database and the bot, and a few seconds per step. */
function timeoutFor(transcript: Transcript): number {
  return 60_000 + 3_000 * countSteps(transcript.steps);
}

describe.each(testDatabaseKinds())('conversations on %s', (kind) => {
  it('finds transcripts', () => {
    expect(loaded.length).toBeGreaterThan(0);
  });

  for (const entry of loaded) {
    describe(entry.file, () => {
      if (entry.error) {
        it('loads', () => {
          throw entry.error;
        });
        return;
      }
      for (const transcript of entry.transcripts) {
        it(transcript.name, () => runTranscript(transcript, { kind }), timeoutFor(transcript));
      }
    });
  }
});

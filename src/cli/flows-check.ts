import { resolve } from 'node:path';
import { createChatComponents } from '../chat/chat-setup';
import { FlowLoadError } from '../chat/flow/flow-loader';
import { loadConfig } from '../config/load-config';
import { readEnvironment } from '../config/read-env';
import { ConfigError } from '../shared/errors';

/**
 * `npm run flows:check [dir]`: the same check as at start-up — JSON Schema, then what a schema cannot see (every
 * next exists, no unreachable step or loop, templates name known answers, known validators, sources and actions).
 */
function main(): void {
  const dirArg = process.argv[2];
  try {
    const env = readEnvironment(process.env, resolve(process.cwd(), '.env'));
    if (dirArg) env.FLOWS_DIR = dirArg;
    const config = loadConfig(env, resolve(process.cwd(), 'config'));
    const { flows } = createChatComponents(config);
    for (const flow of flows.values()) {
      const d = flow.definition;
      console.log(`ok  ${d.id}.json  「${d.title}」 ${d.steps.length} steps, triggers: ${d.triggers.join('、') || '(started by the bot)'}`);
    }
    console.log(`${flows.size} flow file(s) in ${config.chat.flowsDir} are valid.`);
  } catch (error) {
    if (error instanceof FlowLoadError || error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

main();

import { readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import { bulletinReceipts, latestBulletins, planBulletin, publish, type BulletinChannels } from '../domain/bulletins/bulletin-service';
import { matchUnitNames, splitUnitNames, unitMatchProblemsEn, type Audience } from '../domain/roster/audience';
import type { Clock } from '../shared/clock';
import { latestText, previewText, publishedText, receiptsText, refusalText } from '../chat/bulletins/bulletin-wording';
import { CliError } from './cli-context';

export const BULLETIN_USAGE = `Usage:
  npm run cli -- bulletin publish --title <标题> (--body <正文> | --body-file <file.txt>)
                                  --audience all|open-findings|units:<单位>,<单位>… [--yes]
      without --yes: print the preview (whom it reaches, how many group messages) and publish nothing
  npm run cli -- bulletin receipts <编号>    who has read it, and who has not (by unit)
  npm run cli -- bulletin list               the latest bulletins with their read counts`;

export interface BulletinCommandParams {
  actor: string;
  clock: Clock;
  channels: BulletinChannels;
  /** Where the output goes (console.log by default). */
  print?: (text: string) => void;
}

/**
 * `bulletin publish|receipts|list`: the same bulletins as the chat's 发布通报 / 通报回执. Publishing writes the
 * bulletin and its messages to the outbox in one transaction; the running bot sends them.
 */
export async function bulletinCommand(dataSource: DataSource, args: string[], params: BulletinCommandParams): Promise<number> {
  const print = params.print ?? ((text: string) => console.log(text));
  const [sub, ...rest] = args;
  switch (sub) {
    case 'publish':
      return publishCommand(dataSource, rest, params, print);
    case 'receipts': {
      const id = rest.length === 1 && /^\d{1,9}$/.test(rest[0]) ? Number(rest[0]) : null;
      if (id === null) throw new CliError(`Usage: npm run cli -- bulletin receipts <编号>\n\n${BULLETIN_USAGE}`, 2);
      const receipts = await bulletinReceipts(dataSource.manager, id);
      if (!receipts) throw new CliError(`No bulletin ${id} (没有编号为 ${id} 的通报). \`npm run cli -- bulletin list\` shows the latest.`);
      print(receiptsText(receipts));
      return 0;
    }
    case 'list':
      if (rest.length) throw new CliError(`Usage: npm run cli -- bulletin list\n\n${BULLETIN_USAGE}`, 2);
      print(latestText(await latestBulletins(dataSource.manager, 20)));
      return 0;
    default:
      throw new CliError(`${sub ? `Unknown bulletin command "${sub}".` : 'What should bulletin do?'}\n\n${BULLETIN_USAGE}`, 2);
  }
}

interface PublishOptions {
  title?: string;
  body?: string;
  bodyFile?: string;
  audience?: string;
  yes: boolean;
}

export function parsePublishOptions(args: string[]): PublishOptions {
  const options: PublishOptions = { yes: false };
  const valued: Record<string, keyof Omit<PublishOptions, 'yes'>> = {
    '--title': 'title',
    '--body': 'body',
    '--body-file': 'bodyFile',
    '--audience': 'audience',
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (name === '--yes' || name === '-y') {
      options.yes = true;
      continue;
    }
    const field = valued[name];
    if (!field) throw new CliError(`Unknown option "${arg}".\n\n${BULLETIN_USAGE}`, 2);
    const value = inline ?? args[++i];
    if (value === undefined) throw new CliError(`${name} needs a value.\n\n${BULLETIN_USAGE}`, 2);
    if (options[field] !== undefined) throw new CliError(`${name} is given twice.`, 2);
    options[field] = value;
  }
  return options;
}

async function publishCommand(dataSource: DataSource, args: string[], params: BulletinCommandParams, print: (text: string) => void): Promise<number> {
  const options = parsePublishOptions(args);
  const problems: string[] = [];
  if (!options.title) problems.push('--title is required');
  if (options.body !== undefined && options.bodyFile !== undefined) problems.push('give --body or --body-file, not both');
  if (options.body === undefined && options.bodyFile === undefined) problems.push('--body or --body-file is required');
  if (!options.audience) problems.push('--audience is required (all, open-findings, or units:区发改局,区教体局)');
  if (problems.length) throw new CliError(`${problems.join('; ')}.\n\n${BULLETIN_USAGE}`, 2);
  const body = options.bodyFile !== undefined ? readBodyFile(options.bodyFile) : (options.body as string);
  const audience = await parseAudience(dataSource, options.audience as string);
  const draft = { title: options.title as string, body, audience };

  if (!options.yes) {
    const planned = await planBulletin(dataSource.manager, draft, params.channels);
    if (!planned.ok) throw new CliError(`Cannot publish: ${refusalText(planned.code, planned.plan)}`);
    print(`${previewText(planned.plan)}\n\nNot published (preview only). Run again with --yes to publish.`);
    return 0;
  }
  const result = await dataSource.transaction((manager) =>
    publish(manager, { ...draft, createdBy: { userId: params.actor, name: params.actor }, now: params.clock.now() }, params.channels),
  );
  if (!result.ok) throw new CliError(`Not published: ${refusalText(result.code, result.plan)}`);
  print(`${publishedText(result.bulletin, result.plan)}\n\nThe messages are in the outbox; the running bot sends them.`);
  return 0;
}

function readBodyFile(file: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    throw new CliError(`Cannot read the body file ${file}: ${(error as Error).message}`);
  }
}

/** all | open-findings | units:区发改局,区教体局 (names as in the roster: full name, short name or a unique part). */
export async function parseAudience(dataSource: DataSource, text: string): Promise<Audience> {
  if (text === 'all') return { kind: 'all' };
  if (text === 'open-findings') return { kind: 'openFindings' };
  const match = /^units:(.+)$/s.exec(text);
  if (!match) throw new CliError(`--audience must be all, open-findings or units:<单位>,<单位>… (got "${text}").`, 2);
  const names = splitUnitNames(match[1]);
  if (names.length === 0) throw new CliError('--audience units: name at least one unit.', 2);
  const found = await matchUnitNames(dataSource.manager, names);
  const problems = unitMatchProblemsEn(found);
  if (problems.length) throw new CliError(`--audience: ${problems.join('; ')}.`, 2);
  return { kind: 'units', unitIds: found.found.map((u) => u.id) };
}

import { resolve } from 'node:path';
import type { AppConfig } from '../config/app-config';
import type { WorkingDayCalendar } from '../domain/calendar/working-day-calendar';
import type { DeadlineRules } from '../domain/deadlines/deadline-service';
import { cancelDeadlineCommand, deliveredCommand, openDeadlinesCommand, setDeadlineCommand } from './deadlines/deadline-commands';
import { deadlineFlowServices } from './deadlines/deadline-flow-services';
import { loadDeadlineRules } from '../domain/deadlines/deadline-rules';
import { workingDayDeadlines } from '../domain/registry/filing-deadlines';
import { bulletinCardHandler } from './bulletins/bulletin-card-handler';
import { bulletinReceiptsCommand, remindCommand } from './bulletins/bulletin-commands';
import { bulletinFlowServices } from './bulletins/bulletin-flow-services';
import { ChatRouter } from './chat-router';
import type { Command } from './commands/command';
import { myAccountsCommand } from './commands/my-accounts-command';
import { myFilingsCommand } from './commands/my-filings-command';
import { approveCommand, rejectCommand } from './commands/review-decision-commands';
import { reviewListCommand } from './commands/review-list-command';
import { namedValidators } from './input/named-validators';
import type { FlowCapabilities } from './flow/flow-checks';
import type { LoadedFlow } from './flow/flow-definition';
import { FlowEngine } from './flow/flow-engine';
import { loadFlows } from './flow/flow-loader';
import { mergeFlowServices, type FlowServices } from './flow/flow-services';
import { registryFlowServices } from './registry/registry-flow-services';
import { reviewCardHandler } from './registry/review-card-handler';
import { exportChatCommand } from './exports/export-chat-command';
import { loadProblemVocabulary } from '../domain/inspection/problem-vocabulary';
import { acceptCommand, dispatchCommand, progressCommand, rectifyCommand, returnCommand } from './inspection/rectification-commands';
import { rectificationCardHandler } from './inspection/rectification-card-handler';
import { linkFilingsToRectifications, rectificationFlowServices } from './inspection/rectification-flow-services';
import type { FileFetcher } from './inspection/file-fetcher';
import { inspectionFileHandler } from './inspection/inspection-file-handler';
import { inspectionImportFlowServices } from './inspection/inspection-import-flow-services';
import { inspectionQueueCommand } from './inspection/inspection-queue-command';
/** Ports the composition root hands to the chat layer (implemented in wecom/). */
export interface ChatPorts {
  /** downloads (and decrypts) a file a person sent; without it files are answered with what to do instead */
  fileFetcher?: FileFetcher;
}

/** Built-in command words, which no flow trigger may take. */
const BUILT_IN_WORDS = ['帮助', 'help', '菜单', '我是谁', '我的信息'];

export interface ChatComponents {
  calendar: WorkingDayCalendar;
  /** calendar, reminder ladders and office hours: what deadlines and reminders are computed with */
  deadlineRules: DeadlineRules;
  flows: Map<string, LoadedFlow>;
  engine: FlowEngine;
  router: ChatRouter;
}

/**
 * The conversation side of the bot, built from the configuration: holiday calendar, filing deadlines, the flows
 * (checked: a broken flow file stops start-up with every problem listed), the engine, the commands and the router.
 */
export function createChatComponents(config: AppConfig, baseDir = process.cwd(), ports: ChatPorts = {}): ChatComponents {
  const inspectionVocabulary = loadProblemVocabulary(resolve(baseDir, config.inspection.problemCodesFile));
  const deadlineRules = loadDeadlineRules(config, baseDir);
  const { calendar } = deadlineRules;
  const bulletinChannels = { groupWebhook: Boolean(config.wecom.groupWebhookUrl), outboxMaxAttempts: config.outbox.maxAttempts };
  const rectification = {
    rules: deadlineRules,
    vocabulary: inspectionVocabulary,
    outboxMaxAttempts: config.outbox.maxAttempts,
  };
  const services = mergeFlowServices(
    registryFlowServices({
      deadlines: workingDayDeadlines(calendar, { open: config.registry.openingDueWorkdays, other: config.registry.otherDueWorkdays }),
      duplicatePolicy: config.registry.duplicatePlatformPolicy,
    }),
    bulletinFlowServices(bulletinChannels),
    deadlineFlowServices(deadlineRules),
    inspectionImportFlowServices(inspectionVocabulary),
    rectificationFlowServices(rectification),
  );
  linkFilingsToRectifications(services);
  const holder: { engine?: FlowEngine } = {};
  const commands: Command[] = [myAccountsCommand, myFilingsCommand, reviewListCommand, approveCommand, rejectCommand(() => holder.engine as FlowEngine), bulletinReceiptsCommand, remindCommand(bulletinChannels),
    setDeadlineCommand(() => holder.engine as FlowEngine), openDeadlinesCommand(deadlineRules), deliveredCommand, cancelDeadlineCommand, exportChatCommand,
    dispatchCommand(() => holder.engine as FlowEngine), rectifyCommand(() => holder.engine as FlowEngine, rectification), acceptCommand(rectification),
    returnCommand(() => holder.engine as FlowEngine, rectification), progressCommand(deadlineRules, rectification), inspectionQueueCommand(inspectionVocabulary)];
  const flows = loadFlows(resolve(baseDir, config.chat.flowsDir), flowCapabilities(services, commands));
  const engine = new FlowEngine({
    flows,
    services,
    idleMinutes: config.chat.sessionIdleMinutes,
    officeContact: config.chat.officeContact,
    commandWords: ['我是谁', '我的信息', ...commands.flatMap((c) => c.names)],
  });
  holder.engine = engine;
  const router = new ChatRouter({
    officeContact: config.chat.officeContact,
    engine,
    commands,
    cardHandlers: [reviewCardHandler(() => engine), bulletinCardHandler(), rectificationCardHandler(() => engine, rectification)],
    fileHandler: inspectionFileHandler({ fetcher: ports.fileFetcher, engine: () => engine }),
  });
  return { calendar, deadlineRules, flows, engine, router };
}

export function flowCapabilities(services: FlowServices, commands: Command[]): FlowCapabilities {
  return {
    validators: new Set(Object.keys(namedValidators)),
    optionSources: new Set(Object.keys(services.optionSources)),
    facts: new Set(Object.keys(services.facts)),
    actions: new Set(Object.keys(services.actions)),
    reservedWords: new Set([...BUILT_IN_WORDS, ...commands.flatMap((c) => c.names)]),
  };
}

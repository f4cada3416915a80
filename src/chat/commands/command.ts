import type { InboundMessage } from '../inbound-message';
import type { HandlerContext } from '../message-handler';
import type { Person } from '../../domain/roster/roster-service';

export type CommandAudience = 'everyone' | 'liaison' | 'admin';

/** A chat command: one word or phrase that does one thing (帮助, 我是谁 …). */
export interface Command {
  /** The words that start it, first one shown in the help. Matched after normalisation (full-width, spaces). */
  names: string[];
  /** One line for the help text, Chinese. */
  summary: string;
  audience: CommandAudience;
  run(input: CommandInput): Promise<void>;
}

export interface CommandInput {
  message: InboundMessage;
  person: Person;
  /** What follows the command word, trimmed. */
  args: string;
  context: HandlerContext;
}

export function mayUse(command: Command, person: Person): boolean {
  switch (command.audience) {
    case 'everyone':
      return true;
    case 'liaison':
      return person.isLiaison || person.isAdmin;
    case 'admin':
      return person.isAdmin;
  }
}

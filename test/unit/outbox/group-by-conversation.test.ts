import { groupByConversation, parseClaimed } from '../../../src/outbox/outbox-dispatcher';
import type { OutboxRow } from '../../../src/outbox/outbox-entity';
import type { OutboundMessage } from '../../../src/outbox/outbound-message';

function row(id: number, message: OutboundMessage): OutboxRow {
  const at = new Date('2026-11-20T01:00:00Z');
  return {
    id,
    dedupeKey: `k${id}`,
    channel: message.channel,
    payload: JSON.stringify(message),
    payloadHash: '',
    status: 'sending',
    attempts: 0,
    maxAttempts: 5,
    nextAttemptAt: at,
    leaseToken: 't',
    leaseUntil: at,
    lastError: null,
    remoteId: null,
    origin: null,
    createdAt: at,
    updatedAt: at,
    sentAt: null,
  };
}

const text = (content: string) => ({ msgtype: 'text', text: { content } }) as never;
const ids = (groups: ReturnType<typeof groupByConversation>) => groups.map((group) => group.map((c) => c.row.id));
const group = (rows: OutboxRow[]) => groupByConversation(rows.map(parseClaimed));

describe('groupByConversation', () => {
  it('keeps a reply and a card to several admins in one ordered group when they share a person', () => {
    const groups = group([
      row(2, { channel: 'app', toUser: ['admin1', 'liaison', 'admin2'], body: text('card') }),
      row(1, { channel: 'app', toUser: ['liaison'], body: text('reply') }),
      row(3, { channel: 'app', toUser: ['other'], body: text('unrelated') }),
    ]);
    expect(ids(groups)).toEqual([[1, 2], [3]]);
  });

  it('joins chains of shared recipients transitively', () => {
    const groups = group([
      row(1, { channel: 'app', toUser: ['a'], body: text('1') }),
      row(2, { channel: 'app', toUser: ['b'], body: text('2') }),
      row(3, { channel: 'app', toUser: ['a', 'c'], body: text('3') }),
      row(4, { channel: 'app', toUser: ['c', 'b'], body: text('4') }),
      row(5, { channel: 'app', toUser: ['d'], body: text('5') }),
    ]);
    expect(ids(groups)).toEqual([[1, 2, 3, 4], [5]]);
  });

  it('orders card updates with the cards of the same people and keeps webhooks per group', () => {
    const groups = group([
      row(1, { channel: 'app', toUser: ['a'], body: text('card') }),
      row(2, { channel: 'card-update', toUser: ['a'], responseCode: 'rc', replaceName: '已通过' }),
      row(3, { channel: 'webhook', webhookUrl: 'https://x/hook?key=1', body: text('part 1') } as OutboundMessage),
      row(4, { channel: 'webhook', webhookUrl: 'https://x/hook?key=1', body: text('part 2') } as OutboundMessage),
      row(5, { channel: 'webhook', webhookUrl: 'https://x/hook?key=2', body: text('other group') } as OutboundMessage),
    ]);
    expect(ids(groups)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('sends an unreadable payload on its own', () => {
    const broken = { ...row(1, { channel: 'app', toUser: ['a'], body: text('x') }), payload: '{not json' };
    const groups = group([broken, row(2, { channel: 'app', toUser: ['a'], body: text('y') })]);
    expect(ids(groups)).toEqual([[1], [2]]);
  });
});

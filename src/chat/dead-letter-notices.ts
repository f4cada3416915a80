import type { EntityManager } from 'typeorm';
import { listAdmins } from '../domain/roster/roster-service';
import type { OutboxRow } from '../outbox/outbox-entity';
import type { OutboundMessage } from '../outbox/outbound-message';
import type { OutboxItem } from '../outbox/outbox-writer';
import { directMessage } from './reply-address';

/** Tell the admins that a message could not be delivered after its last attempt. */
export async function deadLetterNotices(row: OutboxRow, manager: EntityManager): Promise<OutboxItem[]> {
  const admins = await listAdmins(manager);
  if (admins.length === 0) return [];
  let target = row.channel;
  try {
    const message = JSON.parse(row.payload) as OutboundMessage;
    if (message.channel === 'app') target = `成员 ${message.toUser.join('、')}`;
    else if (message.channel === 'robot-response') target = `成员 ${message.toUser}（机器人回复）`;
    else if (message.channel === 'webhook') target = '工作群（群机器人）';
  } catch {
    // keep the channel name
  }
  return [
    {
      dedupeKey: `dead-letter:${row.id}`,
      origin: 'dead-letter',
      message: directMessage(
        admins.map((a) => a.userId),
        `【消息发送失败】发给${target}的消息（编号 ${row.id}，${row.origin ?? '未知来源'}）在 ${row.attempts} 次尝试后仍未送达。` +
          `原因：${(row.lastError ?? '未知').slice(0, 200)}。请检查企业微信配置或该成员是否在应用可见范围内。`,
      ),
    },
  ];
}

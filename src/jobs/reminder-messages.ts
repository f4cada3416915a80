import type { DeadlineRow } from '../domain/deadlines/deadline-entities';
import { formatDateCn, formatInstantCn, weekdayCn } from '../shared/shanghai-time';

/** The app's text messages hold 2048 bytes; stay below with room for the closing line. */
const TEXT_BUDGET_BYTES = 1800;

/** 2026年3月17日（周二）15:00 — with the weekday, as offices write deadlines; flagged when not a working day. */
export function dueText(deadline: Pick<DeadlineRow, 'dueOn' | 'dueAt' | 'offDay' | 'provisional'>): string {
  const time = formatInstantCn(deadline.dueAt).split(' ')[1];
  const flags = [deadline.offDay ? '非工作日' : '', deadline.provisional ? '节假日安排待确认' : ''].filter(Boolean);
  return `${formatDateCn(deadline.dueOn)}（${weekdayCn(deadline.dueOn)}）${time}${flags.length ? `〔${flags.join('，')}〕` : ''}`;
}

/** 今天截止 / 明天截止 / 还有3个工作日 / 已逾期2个工作日 — from working days left (negative = overdue). */
export function remainingText(workdaysLeft: number, overdue: boolean): string {
  if (overdue) return workdaysLeft < 0 ? `已逾期${-workdaysLeft}个工作日` : '已逾期';
  if (workdaysLeft <= 0) return '今天截止';
  if (workdaysLeft === 1) return '下一个工作日截止';
  return `还有${workdaysLeft}个工作日`;
}

export function isFilingKind(kind: string): boolean {
  return kind.startsWith('filing');
}

/** How the deliverable is handed in: 已报送 for office tasks, a new filing for a rejected one. */
export function howToFinish(deadline: Pick<DeadlineRow, 'id' | 'kind'>): string {
  if (isFilingKind(deadline.kind)) return '请修改后重新提交备案';
  if (deadline.kind === 'rectification') return '请回复“整改”逐项报送整改情况';
  return `完成后回复“已报送 ${deadline.id}”`;
}

export interface NoticeInput {
  deadline: DeadlineRow;
  unitNames: string[];
}

/** The notice of a new deadline (the announce step). */
export function deadlineNoticeText({ deadline, unitNames }: NoticeInput): string {
  const lines = [`【截止事项】${deadline.title}（编号 ${deadline.id}）`, `截止时间：${dueText(deadline)}`];
  if (deadline.deliverable) lines.push(`报送内容：${deadline.deliverable}`);
  lines.push(`涉及单位：${unitNames.join('、')}`);
  lines.push(`${howToFinish(deadline)}；发送“截止事项”查看全部待办。`);
  return lines.join('\n');
}

export interface BundleItem {
  deadline: DeadlineRow;
  unitName: string;
  role: 'liaison' | 'leader';
  overdue: boolean;
  workdaysLeft: number;
  /** for a leader: the unit's liaisons */
  liaisonNames: string[];
}

/** One person's reminders of the day in one message: their own tasks first, then what they must see to as leader. */
export function reminderBundleText(name: string, items: BundleItem[]): string {
  const own = items.filter((i) => i.role === 'liaison');
  const led = items.filter((i) => i.role === 'leader');
  const out: string[] = [];
  let bytes = 0;
  let left = items.length;
  const push = (line: string): boolean => {
    const size = Buffer.byteLength(line, 'utf8') + 1;
    if (bytes + size > TEXT_BUDGET_BYTES) return false;
    out.push(line);
    bytes += size;
    return true;
  };
  let full = false;
  const section = (heading: string, list: BundleItem[]): void => {
    if (list.length === 0 || full) return;
    if (!push(heading)) {
      full = true;
      return;
    }
    list.forEach((item, i) => {
      if (full) return;
      const head = `${i + 1}. ${item.overdue ? '【已逾期】' : ''}${item.deadline.title}（${item.unitName}，编号 ${item.deadline.id}）`;
      const detail = `   截止：${dueText(item.deadline)}，${remainingText(item.workdaysLeft, item.overdue)}${
        item.role === 'leader' && item.liaisonNames.length ? `；联络员：${item.liaisonNames.join('、')}` : ''
      }；${howToFinish(item.deadline)}`;
      if (!push(`${head}\n${detail}`)) full = true;
      else left -= 1;
    });
  };
  section(`【待办提醒】${name}您好，以下事项请按时办理：`, own);
  section(own.length ? '【逾期督办】以下事项本单位尚未完成，请督促办理：' : `【逾期督办】${name}您好，以下事项贵单位尚未完成，请督促联络员办理：`, led);
  if (left > 0) out.push(`……另有${left}项，发送“截止事项”查看全部。`);
  else out.push('发送“截止事项”查看全部待办。');
  return out.join('\n');
}

export interface DigestUnit {
  unitName: string;
  items: Array<{ deadline: DeadlineRow; workdaysOverdue: number; noLiaison: boolean }>;
}

/** The admins' daily digest of what is overdue, by unit. */
export function overdueDigestText(at: Date, units: DigestUnit[]): string {
  const total = units.reduce((n, u) => n + u.items.length, 0);
  const out = [`【逾期汇总】截至${formatInstantCn(at)}，${units.length}个单位共${total}项事项逾期未报：`];
  let bytes = Buffer.byteLength(out[0], 'utf8');
  let shown = 0;
  for (const unit of units) {
    const line = `· ${unit.unitName}：${unit.items
      .map((i) => `${i.deadline.title}（编号 ${i.deadline.id}，逾期${Math.max(i.workdaysOverdue, 1)}个工作日${i.noLiaison ? '，无可提醒的联络员' : ''}）`)
      .join('；')}`;
    const size = Buffer.byteLength(line, 'utf8') + 1;
    if (bytes + size > TEXT_BUDGET_BYTES) break;
    out.push(line);
    bytes += size;
    shown += 1;
  }
  if (shown < units.length) out.push(`……另有${units.length - shown}个单位，发送“截止事项”查看全部。`);
  else out.push('发送“截止事项”查看详情；管理员可回复“已报送 编号 单位名”代为标记。');
  return out.join('\n');
}

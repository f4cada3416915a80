import type { EntityManager } from 'typeorm';
import {
  InspectionImportError,
  applyInspectionImport,
  planInspectionImport,
  readInspectionFile,
  summaryLines,
  type InspectionFile,
  type InspectionImportPlan,
} from '../../domain/inspection/inspection-import';
import { listRounds } from '../../domain/inspection/inspection-round';
import { InspectionUploadEntity, type InspectionUploadRow } from '../../domain/inspection/inspection-upload-entity';
import type { ProblemVocabulary } from '../../domain/inspection/problem-vocabulary';
import type { ActionInput, ActionResult, FlowRuntimeContext, FlowServicesPart } from '../flow/flow-services';
import type { StoredAnswer } from '../flow/session-store';

/**
 * What bot-flows/import-inspection.json may name: the facts `inspection-import-rounds` (the rounds to choose from),
 * `inspection-import-problem` (why the chosen round cannot be used) and `inspection-import-preview` (the dry run), and
 * the action `inspection.import`. The flow is started with `{ uploadId }` by the file handler.
 */
export function inspectionImportFlowServices(vocabulary: ProblemVocabulary): FlowServicesPart {
  return {
    optionSources: {},
    facts: {
      'inspection-import-rounds': async ({ manager }) => {
        const rounds = await listRounds(manager);
        if (rounds.length === 0) return '（目前还没有检查轮次，请写新轮次的名称）';
        return rounds.map((r, i) => `${i + 1}. ${r.title}（${r.period}）`).join('\n');
      },
      'inspection-import-problem': async (context) => {
        const planned = await plan(context, vocabulary);
        return planned && !planned.ok ? planned.problem : null;
      },
      'inspection-import-preview': async (context) => {
        const planned = await plan(context, vocabulary);
        return planned?.ok ? previewText(planned.plan) : null;
      },
    },
    actions: {
      'inspection.import': (input) => importAction(input, vocabulary),
    },
  };
}

type Planned = { ok: true; plan: InspectionImportPlan; upload: InspectionUploadRow } | { ok: false; problem: string };

/** The round the admin answered: a number picks an existing round (newest first, as listed), anything else is a title. */
export async function roundTitleFromAnswer(manager: EntityManager, answer: string): Promise<string> {
  const text = answer.normalize('NFKC').trim();
  if (/^\d{1,3}$/.test(text)) {
    const rounds = await listRounds(manager);
    const chosen = rounds[Number(text) - 1];
    if (chosen) return chosen.title;
  }
  return answer.trim();
}

/** Null until the round is answered; then the plan, or why it cannot be made. */
async function plan(context: FlowRuntimeContext, vocabulary: ProblemVocabulary): Promise<Planned | null> {
  const round = value(context.answers.round);
  if (typeof round !== 'string') return null;
  const upload = await loadUpload(context.manager, Number(context.params.uploadId));
  if (!upload) return { ok: false, problem: '这份检查结果表已经导入过或已失效，请重新发送文件。' };
  const file = await uploadFile(upload);
  try {
    const planned = await planInspectionImport(context.manager, {
      ...file,
      round: { title: await roundTitleFromAnswer(context.manager, round) },
      vocabulary,
      actor: context.person.userId,
      now: context.now,
    });
    return { ok: true, plan: planned, upload };
  } catch (error) {
    if (error instanceof InspectionImportError) return { ok: false, problem: error.problems.join('；').replace(/（命令行 --period 2026Q3）/, '') };
    throw error;
  }
}

async function importAction(input: ActionInput, vocabulary: ProblemVocabulary): Promise<ActionResult> {
  if (input.values.preview === false) {
    await input.manager.getRepository(InspectionUploadEntity).update({ id: Number(input.params.uploadId) }, { content: null, consumedAt: input.now });
    return { ok: false, reply: '好的，检查结果未导入，未保存任何内容。' };
  }
  const planned = await plan(input, vocabulary);
  if (!planned) return { ok: false, reply: '请先选择检查轮次。', askAgain: 'round' };
  if (!planned.ok) return { ok: false, reply: planned.problem, askAgain: 'round' };
  // the upload is consumed once: a second 是 (or another instance) finds it gone
  const consumed = await input.manager
    .createQueryBuilder()
    .update(InspectionUploadEntity)
    .set({ content: null, consumedAt: input.now })
    .where('id = :id AND consumed_at IS NULL', { id: planned.upload.id })
    .execute();
  if (!consumed.affected) return { ok: false, reply: '这份检查结果表已经导入过了。' };
  const summary = await applyInspectionImport(input.manager, planned.plan);
  const queued = Object.values(summary.queued).reduce((n, v) => n + (v ?? 0), 0) + summary.stillQueued;
  return {
    ok: true,
    reply: ['检查结果已导入：', ...summaryLines(summary), queued > 0 ? `有 ${queued} 条需要您确认，发送“待确认”查看。` : ''].filter(Boolean).join('\n'),
  };
}

function previewText(planned: InspectionImportPlan): string {
  return summaryLines(planned.summary).join('\n');
}

async function loadUpload(manager: EntityManager, id: number): Promise<InspectionUploadRow | null> {
  if (!Number.isInteger(id)) return null;
  const upload = await manager.getRepository(InspectionUploadEntity).findOne({ where: { id } });
  return upload && upload.consumedAt === null && upload.content !== null ? upload : null;
}

/**
 * Parsed files by content hash (and name): the facts and the action of one conversation read the same file several
 * times. Keyed by content, never by upload id, so another database or a reused id cannot get a stale table.
 */
const parsedUploads = new Map<string, Promise<InspectionFile>>();

function uploadFile(upload: InspectionUploadRow): Promise<InspectionFile> {
  const key = `${upload.fileSha256}:${upload.fileName}`;
  let parsed = parsedUploads.get(key);
  if (!parsed) {
    parsed = readInspectionFile(Buffer.from(upload.content ?? '', 'base64'), upload.fileName);
    parsed.catch(() => parsedUploads.delete(key));
    parsedUploads.set(key, parsed);
    while (parsedUploads.size > 8) parsedUploads.delete(parsedUploads.keys().next().value as string);
  }
  return parsed;
}

function value(answer: StoredAnswer | undefined): unknown {
  return answer && !answer.skipped ? answer.value : undefined;
}

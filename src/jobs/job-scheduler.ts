import { scheduleJob, type Job as ScheduledJob } from 'node-schedule';
import type { DataSource } from 'typeorm';
import type { Clock } from '../shared/clock';
import type { Logger } from '../shared/logger';
import { acquireJobLock, releaseJobLock } from './job-lock';

/**
 * A scheduled job (DESIGN §5, after Vendure's scheduled tasks): an id, a cron schedule in Asia/Shanghai, a
 * timeout, overlap protection in the process and a database lock across instances. `run` decides from the
 * injected clock what is due, so a late or repeated run does the right thing.
 */
export interface Job {
  id: string;
  /** cron expression (minute hour day month weekday), Asia/Shanghai */
  schedule: string;
  timeoutMs: number;
  run(now: Date): Promise<Record<string, number> | void>;
}

export interface JobSchedulerDeps {
  dataSource: DataSource;
  clock: Clock;
  logger: Logger;
  jobs: Job[];
  instanceId: string;
}

export type JobOutcome = { ran: true; result: Record<string, number> | void } | { ran: false; reason: 'running' | 'locked' };

export class JobScheduler {
  private readonly scheduled: ScheduledJob[] = [];
  private readonly running = new Map<string, Promise<JobOutcome>>();

  constructor(private readonly deps: JobSchedulerDeps) {}

  get jobs(): Job[] {
    return this.deps.jobs;
  }

  start(): void {
    if (this.scheduled.length) return;
    for (const job of this.deps.jobs) {
      const scheduled = scheduleJob(job.id, { rule: job.schedule, tz: 'Asia/Shanghai' }, () => {
        this.runJob(job).catch(() => undefined); // logged in execute()
      });
      if (!scheduled) throw new Error(`job ${job.id}: invalid schedule ${JSON.stringify(job.schedule)}`);
      this.scheduled.push(scheduled);
    }
    this.deps.logger.info({ jobs: this.deps.jobs.map((j) => `${j.id} (${j.schedule})`) }, 'scheduled jobs started');
  }

  async stop(): Promise<void> {
    for (const s of this.scheduled.splice(0)) s.cancel();
    await Promise.allSettled([...this.running.values()]);
  }

  /**
   * Run every job once now, in order (start-up catch-up, tests, the sandbox clock). A failing job does not keep
   * the others from running; the first failure is thrown after all of them ran.
   */
  async runOnce(): Promise<Record<string, JobOutcome>> {
    const outcomes: Record<string, JobOutcome> = {};
    let failure: unknown;
    for (const job of this.deps.jobs) {
      try {
        outcomes[job.id] = await this.runJob(job);
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
    return outcomes;
  }

  /** Run one job unless it is running here already or another instance holds its lock. */
  runJob(job: Job): Promise<JobOutcome> {
    const current = this.running.get(job.id);
    if (current) return current.then(() => ({ ran: false, reason: 'running' }) as const);
    const run = this.execute(job).finally(() => this.running.delete(job.id));
    this.running.set(job.id, run);
    return run;
  }

  private async execute(job: Job): Promise<JobOutcome> {
    const { dataSource, clock, logger, instanceId } = this.deps;
    const log = logger.child({ job: job.id });
    const now = clock.now();
    let locked = false;
    try {
      locked = await acquireJobLock(dataSource, `job:${job.id}`, instanceId, now, job.timeoutMs);
      if (!locked) {
        log.debug('job skipped: another instance holds its lock');
        return { ran: false, reason: 'locked' };
      }
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`job ${job.id} exceeded its timeout of ${job.timeoutMs} ms`)), job.timeoutMs);
        timer.unref?.();
      });
      try {
        const result = await Promise.race([job.run(now), timeout]);
        // waiting rows (a leader's copy before the liaison was reminded) are not news every minute
        const counts = result && Object.entries(result).some(([k, v]) => k !== 'waiting' && v > 0) ? result : undefined;
        if (counts) log.info({ ...counts, ms: Date.now() - started }, 'job done');
        else log.debug({ ms: Date.now() - started }, 'job done, nothing due');
        return { ran: true, result };
      } finally {
        clearTimeout(timer);
      }
    } catch (error) {
      log.error({ err: error }, 'job failed');
      throw error;
    } finally {
      if (locked) await releaseJobLock(dataSource, `job:${job.id}`, instanceId).catch((err: unknown) => log.warn({ err }, 'job lock not released'));
    }
  }
}

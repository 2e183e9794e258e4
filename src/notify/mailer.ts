// E-mail alerts on state changes, as keepalived sends them (smtp_alert): one mail per new state of an instance
// or sync group that asks for it, in the order the changes happened. Sending never holds the daemon: a change
// only queues a finished message; one worker hands the queue to the server, one message at a time, retrying a
// failed one a bounded number of times before it drops it. The queue is bounded too: a dead server costs the
// oldest alerts, never memory.

import { hostname, userInfo } from "node:os";
import type { Timers } from "../clock/timers.ts";
import type { MailConfig, VipdConfig } from "../config/schema.ts";
import { type AlertText, alertText, formatMessage } from "./mail-message.ts";
import type { NotifyKind, NotifyState } from "./notify-plan.ts";
import { type Delivery, type Envelope, MailSendError, type MailTransport, type SmtpServer } from "./smtp-transport.ts";

export interface MailerLog {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

/** Who this machine is, for keepalived's defaults of router_id, notification_email_from and smtp_helo_name. */
export interface HostIdentity {
  hostName: string;
  userName: string;
}

export interface MailerOptions {
  transport: MailTransport;
  log: MailerLog;
  timers: Timers;
  /** The wall clock of the Date header. */
  now?: () => Date;
  identity?: HostIdentity;
  /** The wait before each retry of a failed message: its length is the number of retries. */
  retryDelaysMs?: readonly number[];
  /** Messages waiting beyond the one being sent; more drop the oldest. */
  maxQueued?: number;
}

/** The resolved settings: null when mail cannot be sent (no recipient or no server). */
export interface MailSettings {
  server: SmtpServer;
  envelope: Envelope;
  routerId: string;
  noEmailFaults: boolean;
}

export const DEFAULT_RETRY_DELAYS_MS = [10_000, 60_000];
const DEFAULT_MAX_QUEUED = 100;
/** A whole delivery is a handful of exchanges, each bounded by the timeout; this bounds them together. */
const EXCHANGES_PER_DELIVERY = 8;

/** A change to mail: the message is written by the worker, not inside the change (a takeover). */
interface Pending {
  /** The subject and body, given the router_id of the settings it goes out with. */
  render: (routerId: string) => AlertText;
  date: Date;
  settings: MailSettings;
}

export function systemIdentity(): HostIdentity {
  let userName = "root";
  try {
    userName = userInfo().username;
  } catch {
    // a uid without a passwd entry: keepalived would have no default sender; root@host is as good a guess
  }
  return { hostName: hostname(), userName };
}

export function mailSettings(global: MailConfig & { routerId: string | null }, identity: HostIdentity): MailSettings | null {
  if (global.smtpServer === null || global.notificationEmail.length === 0) return null;
  return {
    server: {
      host: global.smtpServer,
      port: global.smtpPort,
      heloName: global.smtpHeloName ?? identity.hostName,
      timeoutMs: global.smtpConnectTimeoutMs,
    },
    envelope: { from: global.notificationEmailFrom ?? `${identity.userName}@${identity.hostName}`, to: global.notificationEmail },
    routerId: global.routerId ?? identity.hostName,
    noEmailFaults: global.noEmailFaults,
  };
}

export class Mailer {
  private settings: MailSettings | null = null;
  /** `KIND:name` of the instances and groups with smtp_alert. */
  private alerting = new Set<string>();
  /** The state last mailed per instance or group: keepalived mails a state once, not again until it changes. */
  private readonly lastMailed = new Map<string, NotifyState>();
  private readonly queue: Pending[] = [];
  private running = false;
  private closed = false;
  private retryWait: { handle: unknown; wake: () => void } | null = null;
  private drained: { promise: Promise<void>; resolve: () => void } | null = null;
  private readonly identity: HostIdentity;
  private readonly retryDelaysMs: readonly number[];
  private readonly maxQueued: number;
  private readonly now: () => Date;

  constructor(private readonly options: MailerOptions) {
    this.identity = options.identity ?? systemIdentity();
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
    this.now = options.now ?? (() => new Date());
  }

  /** At start and after each reload. Messages already queued go out with the settings they were made with. */
  configure(config: VipdConfig): void {
    this.settings = mailSettings(config.global, this.identity);
    this.alerting = new Set([
      ...config.instances.filter((i) => i.smtpAlert).map((i) => key("INSTANCE", i.name)),
      ...config.syncGroups.filter((g) => g.smtpAlert).map((g) => key("GROUP", g.name)),
    ]);
    for (const k of this.lastMailed.keys()) if (!this.alerting.has(k)) this.lastMailed.delete(k);
    const checkerMail = config.virtualServers.some(
      (vs) => vs.smtpAlert || vs.realServers.some((rs) => rs.smtpAlert && rs.checks.length > 0),
    );
    if (this.settings && (this.alerting.size > 0 || checkerMail)) this.options.transport.prepare();
  }

  /** An instance or group entered `state`. Returns at once; the mail goes out later. */
  stateChanged(kind: NotifyKind, name: string, state: NotifyState): void {
    const settings = this.settings;
    const k = key(kind, name);
    if (settings === null || this.closed || !this.alerting.has(k)) return;
    if (state === "FAULT" && settings.noEmailFaults) return;
    if (this.lastMailed.get(k) === state) return;
    this.lastMailed.set(k, state);
    this.enqueue(settings, (routerId) => alertText(routerId, kind, name, state));
  }

  /** A health check moved a real server (smtp_alert of real servers, keepalived's default on): queued the same way. */
  checkerChanged(render: (routerId: string) => AlertText): void {
    const settings = this.settings;
    if (settings === null || this.closed) return;
    this.enqueue(settings, render);
  }

  private enqueue(settings: MailSettings, render: (routerId: string) => AlertText): void {
    if (this.queue.length >= this.maxQueued) {
      const dropped = this.queue.shift()!;
      this.options.log.warn(
        `mail "${subjectOf(dropped)}" dropped: ${this.maxQueued} mails already wait for ${describeServer(settings.server)}`,
      );
    }
    this.queue.push({ render, date: this.now(), settings });
    if (!this.running) {
      this.running = true;
      // Not even the first exchange runs inside the state change that queued the mail.
      this.options.timers.setTimeout(() => void this.work(), 0);
    }
  }

  /** Resolves when every queued mail has been sent or dropped. */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (!this.drained) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.drained = { promise, resolve };
    }
    return this.drained.promise;
  }

  /** At exit: mails still waiting are dropped, each with a log line; a retry's wait ends. */
  close(): void {
    this.closed = true;
    for (const pending of this.queue.splice(0)) this.options.log.warn(`mail "${subjectOf(pending)}" dropped: vipd is stopping`);
    if (this.retryWait) {
      this.options.timers.clearTimeout(this.retryWait.handle);
      this.retryWait.wake();
    }
  }

  private async work(): Promise<void> {
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) await this.deliver(next);
    } finally {
      this.running = false;
      this.drained?.resolve();
      this.drained = null;
    }
  }

  /** One message, with its retries; every outcome is logged. */
  private async deliver(pending: Pending): Promise<void> {
    const { settings } = pending;
    const alert = pending.render(settings.routerId);
    const outgoing: Outgoing = {
      subject: alert.subject,
      message: formatMessage({ date: pending.date, from: settings.envelope.from, to: settings.envelope.to }, alert),
      server: settings.server,
      envelope: settings.envelope,
    };
    const attempts = this.retryDelaysMs.length + 1;
    const where = describeServer(settings.server);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const delivery = await this.attempt(outgoing);
        this.options.log.info(`mail "${outgoing.subject}" sent to ${where}: ${delivery.reply}`);
        for (const r of delivery.refused) this.options.log.warn(`mail "${outgoing.subject}": ${where} refused ${r.address}: ${r.reply}`);
        return;
      } catch (error) {
        const why = describeFailure(error);
        if (attempt === attempts || this.closed) {
          this.options.log.warn(`mail "${outgoing.subject}" to ${where} failed (attempt ${attempt} of ${attempts}): ${why}; dropped`);
          return;
        }
        const delayMs = this.retryDelaysMs[attempt - 1]!;
        this.options.log.warn(
          `mail "${outgoing.subject}" to ${where} failed (attempt ${attempt} of ${attempts}): ${why}; retrying in ${delayMs / 1000} s`,
        );
        await this.sleep(delayMs);
        if (this.closed) {
          this.options.log.warn(`mail "${outgoing.subject}" dropped: vipd is stopping`);
          return;
        }
      }
    }
  }

  private attempt(outgoing: Outgoing): Promise<Delivery> {
    const limitMs = outgoing.server.timeoutMs * (EXCHANGES_PER_DELIVERY + outgoing.envelope.to.length);
    let handle: unknown;
    const deadline = new Promise<never>((_, reject) => {
      handle = this.options.timers.setTimeout(
        () => reject(new MailSendError(`no complete exchange within ${limitMs / 1000} s`, null)),
        limitMs,
      );
    });
    return Promise.race([this.options.transport.send(outgoing.server, outgoing.envelope, outgoing.message), deadline]).finally(() =>
      this.options.timers.clearTimeout(handle),
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.retryWait = null;
        resolve();
      };
      this.retryWait = { handle: this.options.timers.setTimeout(wake, ms), wake };
    });
  }
}

/** A written message, as it is handed to the server at each attempt. */
interface Outgoing {
  subject: string;
  message: string;
  server: SmtpServer;
  envelope: Envelope;
}

function subjectOf(pending: Pending): string {
  return pending.render(pending.settings.routerId).subject;
}

function key(kind: NotifyKind, name: string): string {
  return `${kind}:${name}`;
}

function describeServer(server: SmtpServer): string {
  return server.host.includes(":") ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}

function describeFailure(error: unknown): string {
  if (error instanceof MailSendError) {
    const { message, reply } = error;
    return reply && !message.includes(reply) ? `${message} (server replied: ${reply})` : message;
  }
  return error instanceof Error ? error.message : String(error);
}

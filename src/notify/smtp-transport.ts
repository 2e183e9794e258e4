// Hands one finished message to an SMTP server: nodemailer's SMTP transport (EHLO with a HELO fallback, multi-line
// replies, dot-stuffing, a timeout on every step), over plain SMTP as keepalived speaks it. nodemailer is loaded on
// first use, so a daemon without e-mail alerts never parses it, and one with them loads it at start, not during
// a takeover.

export interface SmtpServer {
  host: string;
  port: number;
  heloName: string;
  /** For the connection, the greeting and each reply (keepalived's smtp_connect_timeout). */
  timeoutMs: number;
}

export interface Envelope {
  from: string;
  to: readonly string[];
}

export interface Delivery {
  /** The server's reply to the message. */
  reply: string;
  /** Recipients the server refused while it took the others, each with its reply. */
  refused: { address: string; reply: string }[];
}

/** A message that did not get through; `reply` is the server's answer when it gave one. */
export class MailSendError extends Error {
  constructor(
    message: string,
    readonly reply: string | null,
  ) {
    super(message);
    this.name = "MailSendError";
  }
}

/** Sends `message` (CRLF lines, headers and body); rejects with a MailSendError. */
export interface MailTransport {
  /** Starts loading what sending needs, ahead of the first message. */
  prepare(): void;
  send(server: SmtpServer, envelope: Envelope, message: string): Promise<Delivery>;
}

type Nodemailer = typeof import("nodemailer");

export class NodemailerTransport implements MailTransport {
  private loading: Promise<Nodemailer> | null = null;

  prepare(): void {
    this.load().catch(() => undefined); // a failed load is reported by the send that needs it
  }

  async send(server: SmtpServer, envelope: Envelope, message: string): Promise<Delivery> {
    const nodemailer = await this.load();
    const transport = nodemailer.createTransport({
      host: server.host,
      port: server.port,
      secure: false,
      // keepalived speaks plain SMTP to a relay; a STARTTLS offer with a certificate nobody checks would only
      // turn a working relay into a failure.
      ignoreTLS: true,
      name: server.heloName,
      connectionTimeout: server.timeoutMs,
      greetingTimeout: server.timeoutMs,
      socketTimeout: server.timeoutMs,
      dnsTimeout: server.timeoutMs,
    });
    try {
      const info = await transport.sendMail({ envelope: { from: envelope.from, to: [...envelope.to] }, raw: message });
      const refused = (info.rejectedErrors ?? []).map((e) => ({ address: String(e.recipient ?? "?"), reply: e.response ?? e.message }));
      return { reply: info.response, refused };
    } catch (error) {
      const e = error as Error & { response?: string; code?: string };
      throw new MailSendError(e.code ? `${e.code}: ${e.message}` : e.message, e.response ?? null);
    } finally {
      transport.close();
    }
  }

  private load(): Promise<Nodemailer> {
    this.loading ??= import("nodemailer");
    return this.loading;
  }
}

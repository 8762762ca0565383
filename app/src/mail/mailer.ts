/** Outgoing mail over SMTP (nodemailer) from the MAIL_* settings; off when MAIL_SERVER is unset. */
import nodemailer, { type Transporter } from "nodemailer";
import type { Config } from "../config.js";

/** One message to send. */
export interface MailMessage {
  to: string | string[];
  subject: string;
  text: string;
  html?: string;
}

/** Sends mail, or does nothing when mail is not configured. */
export class Mailer {
  private readonly transport: Transporter | null;

  constructor(private readonly config: Config["mail"]) {
    this.transport = config.server
      ? nodemailer.createTransport({
          host: config.server,
          port: config.port,
          secure: config.port === 465,
          requireTLS: config.useTls,
          auth: config.username ? { user: config.username, pass: config.password } : undefined,
          connectionTimeout: 10000,
          greetingTimeout: 10000,
          socketTimeout: 20000,
        })
      : null;
  }

  /** True when MAIL_SERVER is set. */
  get enabled(): boolean {
    return this.transport !== null;
  }

  /** Sends a message; returns false when mail is off. Throws on SMTP errors. */
  async send(msg: MailMessage): Promise<boolean> {
    if (!this.transport) return false;
    await this.transport.sendMail({ from: this.config.sender, ...msg });
    return true;
  }

  /** Closes pooled connections. */
  close(): void {
    this.transport?.close();
  }
}

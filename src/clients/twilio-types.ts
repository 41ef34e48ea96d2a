/** The results and arguments of `TwilioClient`'s methods. */

/** A call's status; Twilio may add values. */
export type TwilioCallStatus =
  | 'queued'
  | 'ringing'
  | 'in-progress'
  | 'completed'
  | 'busy'
  | 'failed'
  | 'no-answer'
  | 'canceled'
  | (string & {});

/** A Call resource (main fields; Twilio's snake_case names; dates are RFC 2822 strings). */
export interface TwilioCall {
  readonly sid: string;
  readonly account_sid: string;
  readonly to: string;
  readonly from: string;
  readonly status: TwilioCallStatus;
  readonly direction: string;
  readonly start_time: string | null;
  readonly end_time: string | null;
  /** Seconds, as a string; `null` until the call ends. */
  readonly duration: string | null;
  readonly price: string | null;
  readonly price_unit: string | null;
  readonly date_created: string | null;
  readonly date_updated: string | null;
  readonly uri: string;
}

/** A Message resource (main fields). A 201 means accepted; delivery is reported later. */
export interface TwilioMessage {
  readonly sid: string;
  readonly account_sid: string;
  readonly to: string;
  readonly from: string | null;
  readonly body: string;
  readonly status: string;
  readonly num_segments: string;
  readonly direction: string;
  readonly price: string | null;
  readonly error_code: number | null;
  readonly error_message: string | null;
  readonly date_created: string | null;
  readonly uri: string;
}

/** An IncomingPhoneNumber resource: a number the account owns (main fields). */
export interface TwilioPhoneNumber {
  readonly sid: string;
  readonly account_sid: string;
  /** E.164, e.g. `+14155550100`. */
  readonly phone_number: string;
  readonly friendly_name: string;
  readonly capabilities: Readonly<Record<string, boolean>>;
  readonly voice_url: string | null;
  readonly sms_url: string | null;
  readonly status_callback: string | null;
  readonly date_created: string | null;
}

/** The events a call can report to its status callback. */
export type TwilioCallEvent = 'initiated' | 'ringing' | 'answered' | 'completed';

/** Arguments of {@link TwilioClient.makeCall}. */
export interface MakeCallOptions {
  /** The number to call, E.164. */
  readonly to: string;
  /** A number of the account, E.164. */
  readonly from: string;
  /**
   * The TwiML URL fetched when the call is answered.
   * @default the client's `voiceUrl`
   */
  readonly url?: string;
  /**
   * Where status changes are reported.
   * @default the client's `statusCallbackUrl`
   */
  readonly statusCallback?: string;
  /**
   * Which status changes are reported; Twilio reports only `completed` when none are named.
   * @default undefined
   */
  readonly statusCallbackEvents?: readonly TwilioCallEvent[];
  readonly signal?: AbortSignal;
}

/** Arguments of {@link TwilioClient.getCall}. */
export interface GetTwilioCallOptions {
  /** The call's SID, `CA...`. */
  readonly callSid: string;
  readonly signal?: AbortSignal;
}

/** Arguments of {@link TwilioClient.provisionNumber}. */
export interface ProvisionNumberOptions {
  /** A US or Canadian area code: three digits, as a string (`'415'`) or a number (`415`). */
  readonly areaCode: string | number;
  readonly signal?: AbortSignal;
}

/** Arguments of {@link TwilioClient.sendSms}. */
export interface SendSmsOptions {
  readonly to: string;
  readonly from: string;
  /** At most 1,600 characters. */
  readonly body: string;
  /**
   * Where delivery is reported.
   * @default the client's `statusCallbackUrl`
   */
  readonly statusCallback?: string;
  readonly signal?: AbortSignal;
}

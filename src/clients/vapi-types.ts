/** The results and arguments of `VapiClient`'s methods. */

/**
 * An assistant's configuration, Vapi's `CreateAssistantDTO`. Vapi rejects unknown fields (400
 * "property ... should not exist"), so send only fields its API defines. An update replaces each
 * top-level object whole: send the complete `model`, all `messages` included.
 */
export interface VapiAssistantConfig {
  readonly name?: string;
  readonly firstMessage?: string;
  readonly firstMessageMode?: string;
  readonly model?: {
    readonly provider: string;
    readonly model: string;
    readonly messages?: readonly { readonly role: string; readonly content: string }[];
    readonly [field: string]: unknown;
  };
  readonly voice?: {
    readonly provider: string;
    readonly voiceId: string;
    readonly [field: string]: unknown;
  };
  readonly transcriber?: { readonly provider: string; readonly [field: string]: unknown };
  readonly server?: { readonly url: string; readonly [field: string]: unknown };
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly maxDurationSeconds?: number;
  readonly endCallMessage?: string;
  readonly [field: string]: unknown;
}

/** An assistant as Vapi returns it: the configuration plus its id and timestamps (ISO 8601). */
export interface VapiAssistant extends VapiAssistantConfig {
  readonly id: string;
  readonly orgId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A call's status; Vapi may add values, so unknown strings are possible. */
export type VapiCallStatus =
  | 'scheduled'
  | 'queued'
  | 'ringing'
  | 'in-progress'
  | 'forwarding'
  | 'ended'
  | 'not-found'
  | 'deletion-failed'
  | (string & {});

/** A call as Vapi returns it (main fields). */
export interface VapiCall {
  readonly id: string;
  readonly orgId: string;
  readonly type: string;
  readonly status: VapiCallStatus;
  readonly assistantId?: string;
  readonly phoneNumberId?: string;
  readonly customer?: {
    readonly number?: string;
    readonly name?: string;
    readonly externalId?: string;
  };
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  readonly endedReason?: string;
  readonly cost?: number;
  readonly monitor?: { readonly listenUrl?: string; readonly controlUrl?: string };
  readonly subscriptionLimits?: {
    readonly concurrencyBlocked?: boolean;
    readonly concurrencyLimit?: number;
    readonly remainingConcurrentCalls?: number;
  };
}

/** Arguments of {@link VapiClient.createAssistant}. */
export interface CreateAssistantOptions {
  readonly config: VapiAssistantConfig;
  readonly signal?: AbortSignal;
}

/** Arguments of {@link VapiClient.updateAssistant}. */
export interface UpdateAssistantOptions {
  readonly assistantId: string;
  /** The fields to set; each top-level object replaces the stored one whole. */
  readonly config: VapiAssistantConfig;
  readonly signal?: AbortSignal;
}

/** Arguments of {@link VapiClient.deleteAssistant}. */
export interface DeleteAssistantOptions {
  readonly assistantId: string;
  readonly signal?: AbortSignal;
}

/** Arguments of {@link VapiClient.startCall}. */
export interface StartCallOptions {
  readonly assistantId: string;
  /** The number to call, E.164, e.g. `+14155550100`. */
  readonly phoneNumber: string;
  /**
   * The number to call from.
   * @default the client's `phoneNumberId`
   */
  readonly phoneNumberId?: string;
  readonly signal?: AbortSignal;
}

/** Arguments of {@link VapiClient.getCall}. */
export interface GetVapiCallOptions {
  readonly callId: string;
  readonly signal?: AbortSignal;
}

import {
  signWebhook,
  type WebhookOptions,
  type WebhookPresetName,
} from "../../../lib/index";

/** The receiver's clock in these tests: a fixed instant, in ms. */
export const now = Date.UTC(2026, 0, 15, 12, 0, 0);

/**
 * A signing scheme under test: the default one or a preset, with a secret
 * of the form it expects and a clock fixed at {@link now}.
 */
export interface SchemeFixture {
  name: "default" | WebhookPresetName;
  options: WebhookOptions;
  /** Whether the scheme signs a timestamp (a stale one is refused). */
  isTimed: boolean;
  /** The header that holds the signature. */
  signatureHeader: string;
}

const clock = () => now;

export const schemes: readonly SchemeFixture[] = [
  {
    name: "default",
    options: { secret: "default-secret-value", clock },
    isTimed: false,
    signatureHeader: "x-hub-signature-256",
  },
  {
    name: "github",
    options: { preset: "github", secret: "github-secret-value", clock },
    isTimed: false,
    signatureHeader: "x-hub-signature-256",
  },
  {
    name: "stripe",
    options: { preset: "stripe", secret: "whsec_stripe_secret_value", clock },
    isTimed: true,
    signatureHeader: "stripe-signature",
  },
  {
    name: "slack",
    options: { preset: "slack", secret: "slack-secret-value", clock },
    isTimed: true,
    signatureHeader: "x-slack-signature",
  },
  {
    name: "shopify",
    options: { preset: "shopify", secret: "shopify-secret-value", clock },
    isTimed: false,
    signatureHeader: "x-shopify-hmac-sha256",
  },
  {
    name: "standard-webhooks",
    options: {
      preset: "standard-webhooks",
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      clock,
    },
    isTimed: true,
    signatureHeader: "webhook-signature",
  },
];

/** A delivery: its body and the headers that sign it. */
export interface Delivery {
  body: string;
  headers: Record<string, string>;
}

/**
 * A delivery of `event` with id `id`, signed for `scheme`. The body names
 * the event and the id in the fields the body-reading presets use, and
 * signWebhook puts them in the headers of the others.
 */
export function deliver(
  scheme: SchemeFixture,
  event: string,
  id: string,
  extra: { timestamp?: number; options?: Partial<WebhookOptions> } = {},
): Delivery {
  const body = JSON.stringify({
    type: event,
    id,
    event_id: id,
    data: { amount: 1200, note: "caf\u00e9 \u2603" },
  });
  const headers = signWebhook({ ...scheme.options, ...extra.options }, body, {
    event,
    id,
    timestamp: extra.timestamp ?? now,
  });
  return { body, headers };
}

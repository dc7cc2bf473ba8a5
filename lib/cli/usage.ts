// Usage texts of the integration-kit command. Kept apart from the parsing so
// that `--help` and the error path print the same words.

export const MAIN_USAGE = `usage: integration-kit <command> [options]

Sign webhook bodies the way a provider would, to test a receiver by hand.

commands:
  sign   sign a body and print the headers (or a curl command)
  send   sign a body and POST it to a URL, then print the response

Run 'integration-kit <command> --help' for the options of a command.
`;

const SHARED_OPTIONS = `  -p, --preset <name>     github, stripe, slack, shopify or
                          standard-webhooks (default: the receiver's own
                          scheme, X-Hub-Signature-256 and X-Event-Type)
  -s, --secret <secret>   the signing secret; prefer the WEBHOOK_SECRET
                          environment variable, which stays out of shell
                          history and process listings
  -a, --algorithm <name>  sha256 or sha512 (default: sha256)
  -e, --event <name>      the event name, sent in the scheme's event header
  -i, --id <id>           the delivery id (default: a random UUID)
  -t, --timestamp <secs>  Unix seconds to sign with (default: now)
  -h, --help              print this text`;

export const SIGN_USAGE = `usage: integration-kit sign [options] [file]

Signs the body read from <file> (or standard input when <file> is '-' or
absent) and prints the headers a provider would send with it, one
'Name: value' line each.

options:
${SHARED_OPTIONS}
      --json              print the headers as one JSON object
      --curl <url>        print a ready curl command that posts the body

examples:
  WEBHOOK_SECRET=s3cret integration-kit sign -p github -e push body.json
  echo '{"type":"ping"}' | integration-kit sign -p stripe --json
`;

export const SEND_USAGE = `usage: integration-kit send <url> [options] [file]

Signs the body read from <file> (or standard input when <file> is '-' or
absent), POSTs it to <url> with the signed headers, and prints the status
line, the response headers and the response body.

options:
${SHARED_OPTIONS}
  -H, --header <k: v>     an extra request header (repeatable)
      --timeout <ms>      give up after this many milliseconds
                          (default: 10000)

exit codes: 0 for a 2xx answer, 1 for any other answer or when the URL
cannot be reached, 2 for a usage error.

example:
  WEBHOOK_SECRET=s3cret integration-kit send \\
    http://localhost:3000/hooks/payments -e payment.succeeded event.json
`;

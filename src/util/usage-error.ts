// The one error every command maps to exit status 2: the admin asked for something that cannot
// be done (a bad flag, no readable input), as opposed to a failure found in the logs (exit 1).

export class UsageError extends Error {}

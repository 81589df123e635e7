// A command used wrongly (a missing setting, a bad --param, a file that is not there): exit code 2,
// as commander's own usage errors.
export class UsageError extends Error {}

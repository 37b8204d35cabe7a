/**
 * Imported first by the tool tests that build SDK clients: silences the SDK's one-time warning
 * that its 2027 releases need Node 22, as the CLIs' runner does, so test output stays readable.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

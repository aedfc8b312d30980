// Imported first by run.ts: the SDK's notice about Node 20 support would otherwise interleave with the report.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Tests read the logs they need from return values, not stdout: keep the structured logger quiet.
process.env.LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

// Tests read the logs they need from return values, not stdout: keep the structured logger quiet.
process.env.LOG_LEVEL ??= 'SILENT';

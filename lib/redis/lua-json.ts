/**
 * JSON for a Lua script's cjson.decode. JSON allows lone UTF-16 surrogates ("\\ud800"), which cjson
 * refuses ("invalid unicode escape code"): the script, and with it the whole batch, would fail. Every
 * name and value is made well-formed first (a lone surrogate becomes U+FFFD), whatever the caller passes.
 */
export function luaJson(record: Readonly<Record<string, string | undefined>>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(record).map(([name, value]) => [name.toWellFormed(), value?.toWellFormed()])));
}

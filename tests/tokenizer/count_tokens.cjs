// Prints "COUNT PATH" for each file: its cl100k_base token count by js-tiktoken, with
// special-token text (e.g. "<|endoftext|>") counted as ordinary text.
// Usage: node count_tokens.cjs DIR FILE...   (DIR holds node_modules/js-tiktoken)
const fs = require("fs");
const path = require("path");
const { getEncoding } = require(path.join(process.argv[2], "node_modules/js-tiktoken"));
const encoding = getEncoding("cl100k_base");
for (const file of process.argv.slice(3)) {
  const text = fs.readFileSync(file, "utf8");
  console.log(`${encoding.encode(text, [], []).length} ${file}`);
}

// Writes js-tiktoken's cl100k_base ranks in tiktoken's file format, one "BASE64 RANK"
// line per token in rank order. js-tiktoken stores them compressed: lines of
// "PREFIX OFFSET TOKEN TOKEN ...", where the k-th token has rank OFFSET + k.
// Usage: node to_tiktoken.cjs DIR   (DIR holds node_modules/js-tiktoken)
const path = require("path");
const ranks = require(path.join(process.argv[2], "node_modules/js-tiktoken/dist/ranks/cl100k_base.cjs"));
const table = ranks.default || ranks;
const lines = [];
for (const line of table.bpe_ranks.split("\n").filter(Boolean)) {
  const [, offsetText, ...tokens] = line.split(" ");
  const offset = Number.parseInt(offsetText, 10);
  tokens.forEach((token, i) => lines.push([offset + i, token]));
}
lines.sort((a, b) => a[0] - b[0]);
process.stdout.write(lines.map(([rank, token]) => `${token} ${rank}`).join("\n") + "\n");

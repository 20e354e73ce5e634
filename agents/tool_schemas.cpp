#include "agents/tool_schemas.hpp"

namespace l2mac::agents {
namespace {

using nlohmann::json;

json Object(json properties, std::vector<std::string> required) {
  return {{"type", "object"}, {"properties", std::move(properties)}, {"required", required}};
}

llm::ToolSchema ListFiles() {
  return {"list_files",
          "List the files in the store (path, size in bytes, line count), optionally only those "
          "whose path starts with a prefix.",
          Object({{"prefix", {{"type", "string"}, {"description", "e.g. 'src/'"}}}}, {})};
}

llm::ToolSchema ReadFile() {
  return {"read_file",
          "Read a file, or a range of its lines, with line numbers. Long files are returned in "
          "parts: pass start_line and end_line for the rest.",
          Object({{"path", {{"type", "string"}}},
                  {"start_line", {{"type", "integer"}, {"description", "first line, from 1"}}},
                  {"end_line", {{"type", "integer"}, {"description", "last line, inclusive"}}}},
                 {"path"})};
}

llm::ToolSchema WriteFile() {
  return {"write_file", "Create or replace a whole file with the given content.",
          Object({{"path", {{"type", "string"}}}, {"content", {{"type", "string"}}}},
                 {"path", "content"})};
}

llm::ToolSchema EditFile() {
  return {"edit_file",
          "Replace one occurrence of `search` in a file with `replace`. `search` must match "
          "exactly once; include a few surrounding lines to make it unique.",
          Object({{"path", {{"type", "string"}}},
                  {"search", {{"type", "string"}}},
                  {"replace", {{"type", "string"}}}},
                 {"path", "search", "replace"})};
}

llm::ToolSchema SearchFiles() {
  return {"search_files",
          "Find the lines holding a text (or a regular expression) across the files, with "
          "their paths and line numbers.",
          Object({{"pattern", {{"type", "string"}, {"description", "at most 1024 bytes"}}},
                  {"regex",
                   {{"type", "boolean"},
                    {"description",
                     "pattern is a regular expression in RE2 syntax (no backreferences or "
                     "lookaround)"}}},
                  {"glob",
                   {{"type", "string"},
                    {"description",
                     "only these paths: '*.py' matches a name in any folder, 'src/**/*.py' a "
                     "path from the root ('*' stays in a folder, '**' spans folders)"}}},
                  {"max_results",
                   {{"type", "integer"}, {"description", "50 unless given; 200 at most"}}}},
                 {"pattern"})};
}

llm::ToolSchema OutlineFile() {
  return {"outline_file",
          "List a file's functions, classes and headings with their line numbers (Python, "
          "C/C++, JavaScript/TypeScript, Markdown).",
          Object({{"path", {{"type", "string"}}}}, {"path"})};
}

llm::ToolSchema DeleteFile() {
  return {"delete_file", "Delete a file.", Object({{"path", {{"type", "string"}}}}, {"path"})};
}

llm::ToolSchema RunTests() {
  return {"run_tests",
          "Run the project's checks now (syntax check, then the tests) and get the result, "
          "without finishing the instruction.",
          Object({{"paths",
                   {{"type", "array"},
                    {"items", {{"type", "string"}}},
                    {"description", "test files to run; all tests when omitted"}}}},
                 {})};
}

llm::ToolSchema StepComplete() {
  return {"step_complete",
          "Declare the instruction done. l2mac then runs the checks; the instruction is "
          "accepted only if they pass, otherwise you receive the failures.",
          Object({{"summary",
                   {{"type", "string"},
                    {"description", "what now exists, for the instructions that follow"}}}},
                 {"summary"})};
}

llm::ToolSchema AddInstructions() {
  json instruction = Object(
      {{"id", {{"type", "string"}, {"description", "new and unique: letters, digits, - _ ."}}},
       {"text", {{"type", "string"}, {"description", "what to do, at most 4000 bytes"}}},
       {"depends_on",
        {{"type", "array"},
         {"items", {{"type", "string"}}},
         {"description", "ids of instructions it needs done first (this one included)"}}},
       {"covers",
        {{"type", "array"},
         {"items", {{"type", "string"}}},
         {"description", "ids of the requirements it implements"}}}},
      {"id", "text"});
  return {
      "add_instructions",
      "Add follow-up instructions to the program, to run after the current ones (at most 8 "
      "per call, 16 per instruction). They are added only if this instruction passes its "
      "checks; use it for work that is needed but outside this instruction.",
      Object({{"instructions", {{"type", "array"}, {"items", instruction}}}}, {"instructions"})};
}

llm::ToolSchema SubmitPlan() {
  json instruction =
      Object({{"id", {{"type", "string"}}},
              {"text", {{"type", "string"}}},
              {"depends_on",
               {{"type", "array"},
                {"items", {{"type", "string"}}},
                {"description",
                 "ids of the instructions whose output this one needs; only those, so that "
                 "independent instructions can run in parallel"}}},
              {"covers",
               {{"type", "array"},
                {"items", {{"type", "string"}}},
                {"description", "ids of the requirements this instruction implements"}}}},
             {"id", "text"});
  json requirement =
      Object({{"id", {{"type", "string"}, {"description", "the spec's own id (F1), else R1, R2"}}},
              {"text", {{"type", "string"}}}},
             {"id", "text"});
  return {"submit_plan",
          "Submit the prompt program: the numbered requirements of the task and the ordered "
          "list of instructions. Every requirement must be covered by some instruction.",
          Object({{"requirements", {{"type", "array"}, {"items", requirement}}},
                  {"instructions", {{"type", "array"}, {"items", instruction}}}},
                 {"instructions"})};
}

// With `consistency` (the book domain's judge), an "inconsistencies" list besides the scores.
llm::ToolSchema SubmitVerdict(bool consistency) {
  json entry =
      Object({{"id", {{"type", "string"}, {"description", "the requirement's id, e.g. F1"}}},
              {"score", {{"type", "string"}, {"enum", {"implemented", "partial", "missing"}}}},
              {"evidence",
               {{"type", "string"},
                {"description",
                 "path:line of the code and the test names relied on; for partial or missing, what "
                 "is lacking (at most 2000 bytes)"}}}},
             {"id", "score", "evidence"});
  if (!consistency) {
    return {"submit_verdict",
            "Submit the verdict: every requirement scored once as implemented, partial or "
            "missing, with evidence.",
            Object({{"requirements", {{"type", "array"}, {"items", entry}}}}, {"requirements"})};
  }
  json inconsistency = Object(
      {{"what",
        {{"type", "string"},
         {"description",
          "what contradicts what, and which version should stand (at most 600 bytes)"}}},
       {"evidence",
        {{"type", "string"},
         {"description", "every place it shows, each as path:line, e.g. chapters/01.md:4"}}}},
      {"what", "evidence"});
  return {"submit_verdict",
          "Submit the verdict: every requirement scored once as implemented, partial or "
          "missing, with evidence, and every inconsistency between chapters (names, facts, "
          "timeline) with the places it shows (an empty list when there is none).",
          Object({{"requirements", {{"type", "array"}, {"items", entry}}},
                  {"inconsistencies", {{"type", "array"}, {"items", inconsistency}}}},
                 {"requirements", "inconsistencies"})};
}

}  // namespace

std::vector<llm::ToolSchema> WorkerToolSchemas(bool add_instructions) {
  std::vector<llm::ToolSchema> tools = {ListFiles(),   ReadFile(),   WriteFile(),
                                        EditFile(),    DeleteFile(), SearchFiles(),
                                        OutlineFile(), RunTests(),   StepComplete()};
  if (add_instructions) tools.insert(tools.end() - 1, AddInstructions());
  return tools;
}

std::vector<llm::ToolSchema> PlannerToolSchemas(bool existing_code) {
  if (!existing_code) return {ListFiles(), ReadFile(), SubmitPlan()};
  return {ListFiles(), ReadFile(), SearchFiles(), OutlineFile(), SubmitPlan()};
}

std::vector<llm::ToolSchema> JudgeToolSchemas(bool run_tests, bool consistency) {
  if (!run_tests) {
    return {ListFiles(), ReadFile(), SearchFiles(), OutlineFile(), SubmitVerdict(consistency)};
  }
  llm::ToolSchema tests = RunTests();
  tests.description =
      "Run the project's checks and tests on the committed files (in a sandbox, on a copy: "
      "nothing changes) and get each test's id and outcome, and the failures' output.";
  return {ListFiles(), ReadFile(), SearchFiles(), OutlineFile(), tests, SubmitVerdict(consistency)};
}

}  // namespace l2mac::agents

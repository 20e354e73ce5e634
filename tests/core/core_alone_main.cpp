// Linked with every object of l2mac_core and nothing of l2mac_llm (tests/core/CMakeLists.txt):
// the link fails when core calls into llm, so the dependency stays one way (llm -> core).
int main() { return 0; }

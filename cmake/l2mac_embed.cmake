# l2mac_embed_files(OUTPUT_CPP NAMESPACE ns BASE_DIR dir FILES f1 f2 ...)
# Generates a .cpp that defines `std::string_view ns::FindEmbedded(std::string_view)`
# returning the contents of each file (keyed by its path relative to BASE_DIR), so that
# prompt templates ship inside the binary yet stay plain text files in the tree.
function(l2mac_embed_files)
  cmake_parse_arguments(ARG "" "OUTPUT_CPP;NAMESPACE;BASE_DIR" "FILES" ${ARGN})
  add_custom_command(
    OUTPUT ${ARG_OUTPUT_CPP}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${ARG_OUTPUT_CPP} -DNAMESPACE=${ARG_NAMESPACE}
            -DBASE_DIR=${ARG_BASE_DIR} "-DFILES=${ARG_FILES}"
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_files_script.cmake
    DEPENDS ${ARG_FILES} ${PROJECT_SOURCE_DIR}/cmake/embed_files_script.cmake
    COMMENT "Embedding ${ARG_NAMESPACE} files"
    VERBATIM)
endfunction()

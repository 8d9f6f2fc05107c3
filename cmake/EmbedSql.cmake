# relief_embed_migrations(TARGET FUNCTION DIR): compiles every DIR/NNN_*.sql
# into TARGET as `std::vector<relief::pg::Migration> FUNCTION()`, so binaries
# carry their migrations and never read SQL files at run time.
function(relief_embed_migrations target function dir)
  file(GLOB sql_files CONFIGURE_DEPENDS ${dir}/[0-9][0-9][0-9]_*.sql)
  list(SORT sql_files)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${function}_migrations.cc)
  string(REPLACE ";" "|" files_arg "${sql_files}")
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DFUNCTION=${function}
            -DFILES=${files_arg} -P ${PROJECT_SOURCE_DIR}/cmake/EmbedSqlScript.cmake
    DEPENDS ${sql_files} ${PROJECT_SOURCE_DIR}/cmake/EmbedSqlScript.cmake
    COMMENT "Embedding migrations for ${function}"
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()

/* Smallest complete use of Jalon: open the default model, make a workspace,
 * diagnose one text, print the ranked ROME codes. Copy this to start. */
#include <jalon/jalon.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  const char *text = argc > 1 ? argv[1] : "Je suis vendeuse en prêt-à-porter depuis 5 ans";
  jalon_error *err = NULL;
  jalon_model *model = NULL;       /* immutable: share it between threads */
  jalon_workspace *ws = NULL;      /* one per thread */
  jalon_result *res = NULL;

  if (jalon_model_open(&model, NULL, &err) != 0 || jalon_workspace_new(&ws, model, &err) != 0 ||
      jalon_diagnose(&res, ws, text, strlen(text), NULL, &err) != 0) {
    fprintf(stderr, "jalon: %s\n", jalon_error_message(err));
    jalon_error_free(err);
    jalon_workspace_free(ws);
    jalon_model_free(model);
    return 1;
  }
  for (size_t i = 0; i < jalon_result_job_count(res); i++) {
    const char *appel = jalon_result_job_appellation(res, i);
    printf("%s  %.2f  %s%s%s\n", jalon_result_job_code(res, i), jalon_result_job_score(res, i),
           jalon_result_job_label(res, i), appel ? "  <- " : "", appel ? appel : "");
  }
  jalon_result_free(res);
  jalon_workspace_free(ws);
  jalon_model_free(model);
  return 0;
}

"""The report: context from the run documents (``context``, one module per section), typeset
equations (``equations``), HTML + PDF rendering (``render``), and the workflow's entry point
(``workflow``). Nothing is imported here, so that a job loads only the modules it uses."""

"""The ground floor: plumbing that every app may use and that uses no app of this project.

The services' refusal and right check (`errors`), times as the project writes them (`dates`),
the REST API's helpers and exception handler (`api`, `serializers`), the page and form helpers
(`pages`, `forms`) and the responses that carry files (`http`). See docs/architecture.md for
what each floor may import.
"""

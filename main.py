"""The ASGI app: ``uvicorn main:app``, or ``python main.py`` to serve it."""

from resale.app import create_app

app = create_app()

if __name__ == "__main__":
    from resale.cli import serve

    serve()

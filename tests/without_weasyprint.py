"""WeasyPrint's import failing as it does on a machine without Pango and GLib.

WeasyPrint opens its system libraries with cffi when it is imported; where one is missing
the import raises this OSError. `RefuseWeasyPrint` first on `sys.meta_path` (and no
weasyprint module in `sys.modules`) makes every import of weasyprint fail the same way.
"""

LOADER_ERROR = (
    "cannot load library 'libgobject-2.0-0': libgobject-2.0-0: cannot open shared object "
    "file: No such file or directory. Additionally, ctypes.util.find_library() did not "
    "manage to locate a library called 'libgobject-2.0-0'"
)


class RefuseWeasyPrint:
    def find_spec(self, name, path=None, target=None):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError(LOADER_ERROR)
        return None

"""Staff: import purchases from a CSV file, in two steps. Uploading stores the file and shows
its preview (a real page, safe to reload); confirming imports every valid row at once."""

from __future__ import annotations

import logging

from flask import Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.forms.admin_purchases import ImportConfirmForm, ImportUploadForm
from portal.routes.admin.blueprint import bp
from portal.services.purchases import csv_file, csv_import
from portal.services.purchases.input import InvalidPurchase
from portal.services.purchases.recording import ReceiptConflict
from portal.web.edge import found_or_404
from portal.web.rendering import render

logger = logging.getLogger(__name__)


def _upload_page(form, *, status=200):
    return render(
        "admin/purchases/import.html",
        status=status,
        form=form,
        columns=csv_file.COLUMNS,
        item_columns=csv_file.ITEM_COLUMNS,
        max_rows=csv_file.MAX_IMPORT_ROWS,
    )


@bp.route("/purchases/import", methods=["GET", "POST"])
def import_purchases():
    if request.method == "GET":
        return _upload_page(ImportUploadForm(formdata=None))
    form = ImportUploadForm()
    if not form.validate():
        return _upload_page(form, status=422)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [_("Choose the CSV file to import.")]
        return _upload_page(form, status=422)
    try:
        text = csv_file.read_upload(upload.stream)
        rows = csv_file.read_rows(text)
    except csv_file.ImportRejected as rejected:
        form.file.errors = [str(rejected)]
        return _upload_page(form, status=422)
    stored = csv_import.store_upload(
        text, filename=upload.filename, row_count=len(rows), staff=current_user
    )
    return redirect(url_for("admin.import_preview", token=stored.token), 303)


@bp.get("/purchases/import/template.csv")
def import_template():
    return Response(
        csv_file.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="purchases-template.csv"'},
    )


def _preview_page(upload, *, status=200, error=None):
    if upload.imported_at is not None:
        return render("admin/purchases/import_done.html", status=status, upload=upload)
    try:
        plan = csv_import.stored_plan(upload)
    except (csv_import.ImportChanged, csv_file.ImportRejected):
        return render(
            "admin/purchases/import_done.html",
            status=409,
            upload=upload,
            error=_(
                "The stored copy of this file is not the file that was uploaded, so nothing "
                "can be imported from it. Upload the file again."
            ),
        )
    confirm = ImportConfirmForm(formdata=None)
    confirm.digest.data = upload.digest
    confirm.fingerprint.data = plan.fingerprint()
    return render(
        "admin/purchases/import_preview.html",
        status=status,
        upload=upload,
        plan=plan,
        confirm=confirm,
        error=error,
    )


@bp.get("/purchases/import/<token>")
def import_preview(token: str):
    return _preview_page(found_or_404(csv_import.find_upload(token, current_user)))


@bp.post("/purchases/import/<token>")
def import_confirm(token: str):
    upload = found_or_404(csv_import.find_upload(token, current_user))
    form = ImportConfirmForm()
    if not form.validate():
        return _preview_page(
            upload, status=422, error=_("This form has expired. Check the preview and try again.")
        )
    if upload.imported_at is not None:
        flash(_("This file was already imported; nothing was imported twice."), "info")
        return redirect(url_for("admin.import_preview", token=token), 303)
    try:
        result = csv_import.import_purchases(
            upload,
            digest=form.digest.data,
            fingerprint=form.fingerprint.data,
            staff=current_user,
        )
    except (csv_import.ImportChanged, csv_file.ImportRejected, ReceiptConflict, InvalidPurchase):
        return _preview_page(
            found_or_404(csv_import.find_upload(token, current_user)),
            status=409,
            error=_(
                "Nothing was imported: the file or the receipts it names changed since this "
                "preview. Check the preview below (it is up to date) and import again."
            ),
        )
    except Exception:  # noqa: BLE001 - whatever failed, the whole import is undone and said so
        logger.exception("import of purchase file %s failed; nothing imported", token)
        return _preview_page(
            found_or_404(csv_import.find_upload(token, current_user)),
            status=500,
            error=_(
                "Nothing was imported: something went wrong on our side while importing. "
                "Every row was undone, so you can safely try again."
            ),
        )
    flash(
        _(
            "%(imported)s purchases imported, %(skipped)s rows skipped.",
            imported=result.imported,
            skipped=result.skipped,
        ),
        "success",
    )
    return redirect(url_for("admin.import_preview", token=token), 303)

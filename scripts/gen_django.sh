#!/bin/sh
# Profile a Django test suite into a pstats file (about 1 MB, 7,000
# functions): a small project (models, the ORM on SQLite, views, templates,
# the admin, the test client) made in a temporary folder and tested with
# `manage.py test` under cProfile, the way a Django project's tests are
# profiled. The flame graph's figures in docs/numbers.md were measured on it.
#
# Usage: sh scripts/gen_django.sh OUT [PYTHON]   (PYTHON defaults to Debian's
# /usr/bin/python3, which has Django from `apt-get install python3-django`)
set -eu
out=$(realpath "$1")
python=${2:-/usr/bin/python3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
"$python" -m django startproject site_ .
"$python" manage.py startapp shop
sed -i 's/"django.contrib.staticfiles",/"django.contrib.staticfiles", "shop",/; s/'"'"'django.contrib.staticfiles'"'"',/'"'"'django.contrib.staticfiles'"'"', '"'"'shop'"'"',/' site_/settings.py
cat >shop/models.py <<'EOF'
from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=50, unique=True)


class Product(models.Model):
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    category = models.ForeignKey(Category, on_delete=models.CASCADE)


class Order(models.Model):
    products = models.ManyToManyField(Product)
    created = models.DateTimeField(auto_now_add=True)

    def total(self):
        return sum(p.price for p in self.products.all())
EOF
cat >shop/views.py <<'EOF'
from django.shortcuts import get_object_or_404, render

from .models import Category, Order


def catalog(request):
    categories = Category.objects.prefetch_related("product_set")
    return render(request, "shop/catalog.html", {"categories": categories})


def order(request, pk):
    o = get_object_or_404(Order, pk=pk)
    return render(request, "shop/order.html", {"order": o})
EOF
mkdir -p shop/templates/shop
cat >shop/templates/shop/catalog.html <<'EOF'
{% for c in categories %}<h2>{{ c.name|title }}</h2><ul>
{% for p in c.product_set.all %}<li>{{ p.name }}: {{ p.price|floatformat:2 }}</li>{% endfor %}
</ul>{% endfor %}
EOF
cat >shop/templates/shop/order.html <<'EOF'
<p>Order {{ order.pk }} of {{ order.created|date:"Y-m-d" }}: {{ order.total }}</p>
<ul>{% for p in order.products.all %}<li>{{ p.name }}</li>{% endfor %}</ul>
EOF
cat >shop/admin.py <<'EOF'
from django.contrib import admin

from .models import Category, Order, Product

admin.site.register(Category)
admin.site.register(Product)
admin.site.register(Order)
EOF
cat >site_/urls.py <<'EOF'
from django.contrib import admin
from django.urls import path

from shop import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", views.catalog),
    path("order/<int:pk>/", views.order),
]
EOF
cat >shop/tests.py <<'EOF'
from decimal import Decimal

from django.contrib.auth.models import User
from django.test import TestCase

from .models import Category, Order, Product


class ShopTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        for c in range(5):
            cat = Category.objects.create(name=f"cat {c}")
            for p in range(20):
                Product.objects.create(
                    name=f"product {c}-{p}", price=Decimal(p) + 1, category=cat
                )

    def test_catalog_page(self):
        for _ in range(5):
            response = self.client.get("/")
            self.assertContains(response, "product 4-19")

    def test_orders(self):
        for i in range(30):
            o = Order.objects.create()
            o.products.set(Product.objects.filter(price__lt=i % 7 + 2))
            response = self.client.get(f"/order/{o.pk}/")
            self.assertEqual(response.status_code, 200)

    def test_queries(self):
        for i in range(50):
            list(Product.objects.filter(category__name="cat 1", price__gt=i % 10)
                 .select_related("category").order_by("-price")[:5])
            Product.objects.filter(name__startswith="product 2").count()

    def test_admin(self):
        User.objects.create_superuser("admin", "a@example.com", "pw")
        self.client.login(username="admin", password="pw")
        for url in ["/admin/", "/admin/shop/product/", "/admin/shop/category/"]:
            self.assertEqual(self.client.get(url).status_code, 200)
EOF
"$python" manage.py makemigrations shop -v 0
"$python" -m cProfile -o "$out" manage.py test -v 0 shop
